using System.Globalization;
using System.Text;
using AspireAoai.Api.Usage;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Caching;

/// <summary>
/// The response cache in the request path. For a cacheable request (decided by <see cref="CachePolicy"/> from the
/// parsed fields) it looks the key up within a tight timeout; a fresh entry is written to the client (JSON, or an
/// SSE replay for a streamed request) and the request never goes upstream. On a MISS it wraps the response body so
/// the answer is copied as it is relayed, and hands it to the background writer when the request completes
/// (<see cref="RequestCompletion"/>).
/// A store that fails, times out or is not ready is a MISS: the cache can slow a request by at most its lookup
/// timeout, and stops even that while its circuit is open.
/// </summary>
internal sealed partial class ResponseCache : IResponseCache
{
    /// <summary>An SSE body is larger than the answer it carries: allow this many times the entry limit.</summary>
    private const int StreamCaptureFactor = 8;

    private readonly CachePolicy _policy;
    private readonly ICacheStore _store;
    private readonly MissCoalescer _coalescer;
    private readonly CircuitBreaker _circuit;
    private readonly CacheWriteQueue _queue;
    private readonly CacheMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<ResponseCache> _logger;
    private readonly TimeSpan _lookupTimeout;
    private readonly int _maxEntryBytes;
    private readonly int _failureThreshold;
    private readonly TimeSpan _breakDuration;

    public ResponseCache(CachePolicy policy, ICacheStore store, CircuitBreaker circuit, CacheWriteQueue queue, CacheMetrics metrics,
        IOptions<CacheOptions> options, TimeProvider time, ILogger<ResponseCache> logger, MissCoalescer coalescer)
    {
        _coalescer = coalescer;
        _policy = policy;
        _store = store;
        _circuit = circuit;
        _queue = queue;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        var o = options.Value;
        _lookupTimeout = TimeSpan.FromMilliseconds(o.LookupTimeoutMs);
        _maxEntryBytes = o.MaxEntryBytes;
        _failureThreshold = o.FailureThreshold;
        _breakDuration = o.BreakDuration;
    }

    public ValueTask<bool> TryServeAsync(GatewayRequest request, CancellationToken cancellationToken)
    {
        var plan = _policy.Plan(request.Client.Id, request.Operation, request.Parsed, request.Pool.Model, request.Body, request.Http.Request.Headers);
        if (plan is null)
        {
            // Not deterministic: no hashing, no I/O, no header.
            return ValueTask.FromResult(false);
        }

        return ServeAsync(request, plan, cancellationToken);
    }

    private async ValueTask<bool> ServeAsync(GatewayRequest request, CacheRequest plan, CancellationToken cancellationToken)
    {
        var http = request.Http;
        if (plan.Lookup || plan.Store)
        {
            try
            {
                // Now, while the request body is still held: the key outlives it.
                _ = plan.Key;
            }
            catch (Exception ex) when (ex is System.Text.Json.JsonException or InvalidOperationException)
            {
                _metrics.Miss("invalid_key");
                return false;
            }
        }

        if (plan.Lookup)
        {
            var (entry, age) = await LookupAsync(plan, cancellationToken).ConfigureAwait(false);
            if (entry is not null && await TryWriteHitAsync(request, plan, entry, age, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }

            if (plan.Store && _coalescer.Enabled && await WaitForLeaderAsync(request, plan, cancellationToken).ConfigureAwait(false))
            {
                return true;
            }
        }
        else
        {
            _metrics.Miss(plan.Store ? "no_cache" : "no_store");
        }

        http.Response.Headers[CacheStatus.HeaderName] = plan.MissStatus;
        if (plan.Store)
        {
            BeginCapture(request, plan);
        }

        return false;
    }

    /// <summary>The fresh entry for <paramref name="plan"/> and its age, or null (a MISS, counted with its reason).</summary>
    internal async ValueTask<(CacheEntry? Entry, TimeSpan Age)> LookupAsync(CacheRequest plan, CancellationToken cancellationToken)
    {
        if (!_store.IsReady || !_circuit.AllowRequest())
        {
            _metrics.Miss("unavailable");
            return (null, default);
        }

        var started = _time.GetTimestamp();
        CacheEntry? entry;
        using (var timeout = new CancellationTokenSource(_lookupTimeout, _time))
        using (var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken))
        {
            try
            {
                // WaitAsync bounds the wait even if the store ignores cancellation.
                entry = await _store.ReadAsync(plan.Partition, plan.Key, linked.Token)
                    .WaitAsync(_lookupTimeout, _time, cancellationToken).ConfigureAwait(false);
                _circuit.Success();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            catch (Exception ex)
            {
                var type = ex is OperationCanceledException or TimeoutException ? "timeout" : "error";
                _metrics.Error("lookup", type);
                _metrics.Miss(type);
                _metrics.LookupDuration(_time.GetElapsedTime(started), type);
                CacheLog.LookupFailed(_logger, plan.ClientId, type, ex);
                if (_circuit.Failure())
                {
                    CacheLog.CircuitOpened(_logger, _failureThreshold, _breakDuration.TotalSeconds);
                }

                return (null, default);
            }
        }

        var now = _time.GetUtcNow();
        var reason = entry switch
        {
            null => "not_found",
            _ when !string.Equals(entry.ClientId, plan.Partition, StringComparison.Ordinal) => "not_found",
            _ when now >= entry.ExpiresAt => "expired",
            _ when plan.MaxAge is { } maxAge && now - entry.Created > maxAge => "stale",
            // Only a stream without usage may be answered from an answer without usage; the refresh replaces it.
            _ when !entry.HasUsage && (!plan.Stream || plan.IncludeUsage) => "no_usage",
            _ => null,
        };
        _metrics.LookupDuration(_time.GetElapsedTime(started), reason is null ? "hit" : "miss");
        if (reason is not null)
        {
            _metrics.Miss(reason);
            CacheLog.LookupResult(_logger, reason, plan.ClientId, plan.Key);
            return (null, default);
        }

        var age = now - entry!.Created;
        return (entry, age < TimeSpan.Zero ? TimeSpan.Zero : age);
    }

    private async ValueTask<bool> TryWriteHitAsync(GatewayRequest request, CacheRequest plan, CacheEntry entry, TimeSpan age,
        CancellationToken cancellationToken)
    {
        byte[] body;
        try
        {
            body = Encoding.UTF8.GetBytes(entry.Body);
            if (plan.Stream)
            {
                body = SseReplay.Build(body, plan.IncludeUsage);
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // A damaged entry: answer upstream, whose answer replaces it.
            _metrics.Miss("invalid_entry");
            return false;
        }

        var http = request.Http;
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = plan.Stream ? "text/event-stream" : "application/json";
        response.ContentLength = body.Length;
        response.Headers[CacheStatus.HeaderName] = CacheStatus.Hit;
        response.Headers.Age = ((long)age.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        if (plan.Stream)
        {
            response.Headers.CacheControl = "no-cache";
        }

        request.CacheHit = new CacheHit(entry.Id, entry.Model, entry.InputTokens, entry.OutputTokens, age, entry.CachedInputTokens);
        http.Response.OnStarting(CacheHitCostHeaders, request);
        _metrics.Hit(plan.Model, entry.InputTokens, entry.OutputTokens);
        CacheLog.LookupResult(_logger, "hit", plan.ClientId, plan.Key);

        await response.Body.WriteAsync(body, cancellationToken).ConfigureAwait(false);
        request.Status = StatusCodes.Status200OK;
        return true;
    }

    /// <summary>OnStarting: a cache hit costs nothing and says what it saved (priced like every usage record).</summary>
    private static readonly Func<object, Task> CacheHitCostHeaders = static state =>
    {
        var request = (GatewayRequest)state;
        var context = request.Http;
        if (request.CacheHit is { } hit)
        {
            var pricer = context.RequestServices.GetRequiredService<UsagePricer>();
            var time = context.RequestServices.GetRequiredService<TimeProvider>();
            var priced = pricer.Price(request.Pool.Model, responseModel: null, time.GetUtcNow(), 0, 0, 0, hit.InputTokensSaved, hit.OutputTokensSaved,
                savedCachedInputTokens: hit.CachedInputTokensSaved);
            var headers = context.Response.Headers;
            headers[CostHeaders.Cost] = priced.Cost is null ? CostHeaders.UnpricedValue : "0";
            headers[CostHeaders.Saved] = CostHeaders.Format(priced.SavedCost);
        }

        return Task.CompletedTask;
    };

    private void BeginCapture(GatewayRequest request, CacheRequest plan)
    {
        var http = request.Http;
        var inner = http.Features.Get<IHttpResponseBodyFeature>();
        if (inner is null)
        {
            _coalescer.Release(plan);
            return;
        }

        var limit = plan.Stream ? (int)Math.Min((long)_maxEntryBytes * StreamCaptureFactor, 64L * 1024 * 1024) : _maxEntryBytes;
        var capture = new ResponseCapture(limit);
        http.Features.Set<IHttpResponseBodyFeature>(new CaptureBodyFeature(inner, capture));
        request.CachePlan = plan;
        request.CacheCapture = capture;
    }

    public void Complete(GatewayRequest request)
    {
        if (request.CacheCapture is not { } capture)
        {
            return;
        }

        request.CacheCapture = null;
        CompleteCapture(request, request.CachePlan!, capture);
    }

    private void CompleteCapture(GatewayRequest request, CacheRequest plan, ResponseCapture capture)
    {
        var offered = false;
        try
        {
            var http = request.Http;
            var response = http.Response;
            // The client's status as the request's steps recorded it: a 499 or a broken relay may have answered 200.
            var reason = response.StatusCode != StatusCodes.Status200OK ? "status"
                : capture.Overflowed ? "too_large"
                : request.Status != StatusCodes.Status200OK || request.Broken || http.RequestAborted.IsCancellationRequested ? "aborted"
                : null;
            if (reason is not null)
            {
                _metrics.Store(reason);
                CacheLog.NotStored(_logger, plan.ClientId, reason);
                return;
            }

            var (buffer, length) = capture.Detach();
            if (buffer is null)
            {
                _metrics.Store("empty");
                return;
            }

            var isStream = response.ContentType?.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase) == true;
            offered = _queue.Offer(new CacheWrite(plan, buffer, length, isStream, _time.GetUtcNow()));
        }
        finally
        {
            capture.Release();
            if (!offered)
            {
                // Nothing will be stored: the waiters of this answer go upstream now (the writer frees an offered one).
                _coalescer.Release(plan);
            }
        }
    }
}
