using System.Text;
using AspireAoai.Api.Parsing;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Caching;

/// <summary>
/// Drains <see cref="CacheWriteQueue"/> in the background: checks each captured answer (status, finish reasons,
/// tool calls, size), rebuilds streamed ones into a <c>chat.completion</c>, and upserts the entry with the
/// request's TTL. Failures are counted and logged at debug level; nobody waits for them.
/// </summary>
internal sealed class CacheWriter : BackgroundService
{
    private const int Concurrency = 2;

    private readonly CacheWriteQueue _queue;
    private readonly ICacheStore _store;
    private readonly MissCoalescer _coalescer;
    private readonly CircuitBreaker _circuit;
    private readonly CacheMetrics _metrics;
    private readonly CacheOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<CacheWriter> _logger;

    public CacheWriter(CacheWriteQueue queue, ICacheStore store, CircuitBreaker circuit, CacheMetrics metrics, IOptions<CacheOptions> options,
        TimeProvider time, ILogger<CacheWriter> logger, MissCoalescer coalescer)
    {
        _coalescer = coalescer;
        _queue = queue;
        _store = store;
        _circuit = circuit;
        _metrics = metrics;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var loops = new Task[Concurrency];
        for (var i = 0; i < loops.Length; i++)
        {
            loops[i] = Task.Run(() => DrainAsync(stoppingToken), CancellationToken.None);
        }

        return Task.WhenAll(loops);
    }

    private async Task DrainAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var write in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await StoreAsync(write, stoppingToken).ConfigureAwait(false);
                }
                finally
                {
                    write.Release();
                    // Stored or not, the requests waiting for this answer may look it up (or go upstream) now.
                    _coalescer.Release(write.Request);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Checks and stores one answer; internal so tests can store synchronously.</summary>
    internal async Task StoreAsync(CacheWrite write, CancellationToken stoppingToken)
    {
        var request = write.Request;
        var entry = TryCreateEntry(write, out var reason);
        if (entry is null)
        {
            _metrics.Store(reason!);
            CacheLog.NotStored(_logger, request.ClientId, reason!);
            return;
        }

        if (!_store.IsReady || !_circuit.AllowRequest())
        {
            _metrics.Store("unavailable");
            return;
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(_options.WriteTimeoutMs), _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, stoppingToken);
        try
        {
            await _store.WriteAsync(entry, linked.Token).WaitAsync(TimeSpan.FromMilliseconds(_options.WriteTimeoutMs), _time, stoppingToken)
                .ConfigureAwait(false);
            _circuit.Success();
            _metrics.Store("stored");
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            var type = ex is OperationCanceledException or TimeoutException ? "timeout" : "error";
            _metrics.Error("store", type);
            _metrics.Store("failed");
            CacheLog.WriteFailed(_logger, request.ClientId, type, ex);
            if (_circuit.Failure())
            {
                CacheLog.CircuitOpened(_logger, _options.FailureThreshold, _options.BreakDuration.TotalSeconds);
            }
        }
    }

    private CacheEntry? TryCreateEntry(CacheWrite write, out string? reason)
    {
        var request = write.Request;
        byte[]? assembled = null;
        ReadOnlySpan<byte> body = write.Body;
        if (write.IsStream)
        {
            assembled = StreamAssembler.Assemble(body, out reason);
            if (assembled is null)
            {
                return null;
            }

            body = assembled;
        }

        if (body.Length > _options.MaxEntryBytes)
        {
            reason = "too_large";
            return null;
        }

        reason = AnswerInspector.Check(body, request.Operation, request.CacheToolCalls, out var usage);
        if (reason is not null)
        {
            return null;
        }

        var ttlSeconds = (int)Math.Ceiling(request.Ttl.TotalSeconds);
        return new CacheEntry
        {
            Id = request.Key,
            ClientId = request.Partition,
            Operation = request.Operation.GenAiName(),
            Model = request.Model,
            Body = Encoding.UTF8.GetString(body),
            Created = write.CompletedAt,
            ExpiresAt = write.CompletedAt + request.Ttl,
            Ttl = ttlSeconds,
            InputTokens = usage.InputTokens,
            OutputTokens = usage.OutputTokens,
            CachedInputTokens = usage.CachedInputTokens,
            HasUsage = usage.Known,
        };
    }
}
