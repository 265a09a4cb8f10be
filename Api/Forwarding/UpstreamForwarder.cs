using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using AspireAoai.Api.Apis;
using AspireAoai.Api.Parsing;
using AspireAoai.Api.Routing;
using AspireAoai.Api.Telemetry;
using AspireAoai.Api.Usage;
using Azure.Identity;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Forwarding;

/// <summary>
/// Sends a request to its pool and relays the answer. Each attempt goes to the best eligible deployment; a
/// 429, 5xx, timeout or connection failure before the first response byte cools that deployment down for as
/// long as it asked and moves the request on, within the retry budget. Nothing reaches the client until an
/// attempt has produced its first body byte, so streaming requests fail over too. After that the response
/// is streamed through as it arrives.
/// </summary>
public sealed class UpstreamForwarder
{
    private const int RelayBufferSize = 16 * 1024;
    private const string UpstreamClientName = "upstream";

    private readonly IHttpClientFactory _clients;
    private readonly CooldownPolicy _cooldown;
    private readonly RoutingOptions _options;
    private readonly TimeProvider _time;
    private readonly GatewayTelemetry _telemetry;
    private readonly IDeploymentCapacity _capacity;
    private readonly IUsageReporter _usage;
    private readonly ILogger<UpstreamForwarder> _logger;

    public UpstreamForwarder(IHttpClientFactory clients, CooldownPolicy cooldown, IOptions<RoutingOptions> options, TimeProvider time,
        GatewayTelemetry telemetry, IDeploymentCapacity capacity, IUsageReporter usage, ILogger<UpstreamForwarder> logger)
    {
        _clients = clients;
        _cooldown = cooldown;
        _options = options.Value;
        _time = time;
        _telemetry = telemetry;
        _capacity = capacity;
        _usage = usage;
        _logger = logger;
    }

    /// <summary>Name of the upstream <see cref="HttpClient"/>.</summary>
    public static string ClientName => UpstreamClientName;

    public async Task ForwardAsync(GatewayRequest request)
    {
        var pool = request.Pool;
        var tried = default(TriedSet);
        var attempts = 0;
        var state = new AttemptState();
        Deployment? previous = null;
        var attemptTimeout = request.Parsed.Stream ? _options.StreamingAttemptTimeout : _options.AttemptTimeout;
        var client = _clients.CreateClient(UpstreamClientName);

        while (attempts < _options.MaxAttempts)
        {
            var remaining = _options.MaxTotalTime - _time.GetElapsedTime(request.StartTimestamp);
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }

            var deployment = pool.Select(tried, _time.GetUtcNow(), Random.Shared, _capacity, request);
            if (deployment is null)
            {
                break;
            }

            tried = tried.Add(deployment.PoolIndex);
            attempts++;
            if (previous is not null)
            {
                _telemetry.Failovers.Add(1, new("aoai.deployment.from", previous.Name), new("aoai.deployment.to", deployment.Name), new("gen_ai.request.model", pool.Model));
                ForwardingLog.FailingOver(_logger, request.Client.Id, previous.Name, deployment.Name);
            }

            var outcome = await AttemptAsync(client, request, deployment, attempts, attemptTimeout < remaining ? attemptTimeout : remaining, state).ConfigureAwait(false);
            if (outcome != AttemptOutcome.Failed)
            {
                _telemetry.Attempts.Record(attempts, new KeyValuePair<string, object?>("gen_ai.request.model", pool.Model));
                if (outcome == AttemptOutcome.Completed)
                {
                    ReportUsage(request, deployment, state, attempts);
                }

                return;
            }

            previous = deployment;
        }

        _telemetry.Attempts.Record(Math.Max(attempts, 0), new KeyValuePair<string, object?>("gen_ai.request.model", pool.Model));
        await WriteExhaustedAsync(request, attempts).ConfigureAwait(false);
    }

    private async Task<AttemptOutcome> AttemptAsync(HttpClient client, GatewayRequest request, Deployment deployment, int attempt,
        TimeSpan timeout, AttemptState state)
    {
        var context = request.Http;
        var aborted = context.RequestAborted;
        using var activity = GatewayTelemetry.ActivitySource.StartActivity(deployment.SpanName(request.Operation), ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            TagRequest(activity, request, deployment, attempt);
        }

        using var timeoutSource = new CancellationTokenSource(timeout, _time);
        using var abortLink = aborted.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), timeoutSource);
        var token = timeoutSource.Token;
        var started = _time.GetTimestamp();
        HttpResponseMessage? response = null;
        byte[]? buffer = null;
        Stream? body = null;
        try
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, deployment.GetUri(request.Operation, request.ApiVersion))
            {
                Content = new ReadOnlyMemoryContent(request.Body),
            };
            message.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            if (context.Request.Headers.TryGetValue("x-ms-client-request-id", out var clientRequestId))
            {
                message.Headers.TryAddWithoutValidation("x-ms-client-request-id", (IEnumerable<string?>)clientRequestId);
            }

            await deployment.Auth.ApplyAsync(message, token).ConfigureAwait(false);
            deployment.RecordAttempt();
            response = await client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (CooldownPolicy.IsRetryable(status))
            {
                state.UpstreamWaitTicks += _time.GetTimestamp() - started;
                var now = _time.GetUtcNow();
                var cooldown = _cooldown.FromResponse(response.Headers, now);
                Fail(request, deployment, attempt, activity, StatusName(status), status, cooldown, now);
                return AttemptOutcome.Failed;
            }

            // Hold the response back until its first body byte: a stream that stalls here can still fail over.
            body = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
            buffer = ArrayPool<byte>.Shared.Rent(RelayBufferSize);
            var first = await body.ReadAsync(buffer, token).ConfigureAwait(false);
            var firstByteTicks = _time.GetTimestamp();
            state.UpstreamWaitTicks += firstByteTicks - started;
            deployment.RecordStatus(status);
            _telemetry.UpstreamResponses.Add(1, new("aoai.deployment", deployment.Name), new("http.response.status_code", StatusName(status)));

            return await RelayAsync(request, deployment, response, body, buffer, first, started, firstByteTicks, activity, state).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            ForwardingLog.ClientGone(_logger, request.Client.Id, deployment.Name);
            activity?.SetTag("error.type", "client_disconnected");
            return AttemptOutcome.ClientGone;
        }
        catch (Exception ex) when (context.Response.HasStarted)
        {
            // Once bytes reached the client no failover is possible; abort rather than send a second response.
            ForwardingLog.BrokenMidResponse(_logger, deployment.Name, request.Client.Id, ex);
            activity?.SetTag("error.type", "broken_response");
            activity?.SetStatus(ActivityStatusCode.Error);
            context.Abort();
            return AttemptOutcome.ClientGone;
        }
        catch (OperationCanceledException)
        {
            state.UpstreamWaitTicks += _time.GetTimestamp() - started;
            Fail(request, deployment, attempt, activity, "timeout", 0, _cooldown.Default, _time.GetUtcNow());
            return AttemptOutcome.Failed;
        }
        catch (HttpRequestException ex)
        {
            state.UpstreamWaitTicks += _time.GetTimestamp() - started;
            Fail(request, deployment, attempt, activity, ex.HttpRequestError == HttpRequestError.Unknown ? "connection_error" : ErrorName(ex.HttpRequestError), 0, _cooldown.Default, _time.GetUtcNow());
            return AttemptOutcome.Failed;
        }
        catch (IOException)
        {
            state.UpstreamWaitTicks += _time.GetTimestamp() - started;
            Fail(request, deployment, attempt, activity, "response_ended", 0, _cooldown.Default, _time.GetUtcNow());
            return AttemptOutcome.Failed;
        }
        catch (Exception ex) when (ex is AuthenticationFailedException or CredentialUnavailableException)
        {
            ForwardingLog.CredentialFailed(_logger, deployment.Name, (long)_cooldown.Default.TotalMilliseconds, ex);
            Fail(request, deployment, attempt, activity, "credential", 0, _cooldown.Default, _time.GetUtcNow());
            return AttemptOutcome.Failed;
        }
        finally
        {
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            if (body is not null)
            {
                await body.DisposeAsync().ConfigureAwait(false);
            }

            response?.Dispose();
        }
    }

    private async Task<AttemptOutcome> RelayAsync(GatewayRequest request, Deployment deployment, HttpResponseMessage response, Stream body,
        byte[] buffer, int first, long started, long firstByteTicks, Activity? activity, AttemptState state)
    {
        var context = request.Http;
        var aborted = context.RequestAborted;
        var status = (int)response.StatusCode;
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        var isSse = string.Equals(mediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase);
        var isJson = !isSse && mediaType is not null && mediaType.Contains("json", StringComparison.OrdinalIgnoreCase);

        var clientResponse = context.Response;
        clientResponse.StatusCode = status;
        HeaderCopier.CopyResponseHeaders(response, clientResponse);
        clientResponse.Headers["x-aoai-deployment"] = deployment.NameHeader;
        if (isSse)
        {
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        }

        using var observer = new ResponseObserver();
        var total = first;
        var upstreamDone = first == 0;
        try
        {
            if (first > 0)
            {
                Observe(observer, isSse, isJson, buffer.AsSpan(0, first));
                await clientResponse.Body.WriteAsync(buffer.AsMemory(0, first), aborted).ConfigureAwait(false);
            }
            else
            {
                await clientResponse.StartAsync(aborted).ConfigureAwait(false);
            }

            RecordFirstByte(request, deployment, started, firstByteTicks, state);
            while (!upstreamDone)
            {
                int read;
                try
                {
                    read = await body.ReadAsync(buffer, aborted).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is IOException or HttpRequestException && !aborted.IsCancellationRequested)
                {
                    // Bytes already reached the client: no failover is possible. Abort so the client sees a
                    // broken response, not a truncated one that looks complete.
                    deployment.RecordFailure("broken_response", status, _time.GetUtcNow());
                    activity?.SetTag("error.type", "broken_response");
                    activity?.SetStatus(ActivityStatusCode.Error);
                    ForwardingLog.BrokenMidResponse(_logger, deployment.Name, request.Client.Id, ex);
                    context.Abort();
                    return AttemptOutcome.ClientGone;
                }

                if (read == 0)
                {
                    break;
                }

                total += read;
                Observe(observer, isSse, isJson, buffer.AsSpan(0, read));
                await clientResponse.Body.WriteAsync(buffer.AsMemory(0, read), aborted).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            ForwardingLog.ClientGone(_logger, request.Client.Id, deployment.Name);
            activity?.SetTag("error.type", "client_disconnected");
            return AttemptOutcome.ClientGone;
        }

        var duration = _time.GetElapsedTime(started);
        Complete(request, deployment, status, observer, activity, duration, state);
        return AttemptOutcome.Completed;
    }

    private static void Observe(ResponseObserver observer, bool isSse, bool isJson, ReadOnlySpan<byte> chunk)
    {
        if (isSse)
        {
            observer.FeedSse(chunk);
        }
        else if (isJson)
        {
            observer.FeedJson(chunk);
        }
    }

    private void RecordFirstByte(GatewayRequest request, Deployment deployment, long started, long firstByteTicks, AttemptState state)
    {
        var sinceArrival = _time.GetElapsedTime(request.StartTimestamp);
        state.TimeToFirstByte = sinceArrival;
        var overhead = sinceArrival - _time.GetElapsedTime(0, state.UpstreamWaitTicks);
        var model = new KeyValuePair<string, object?>("gen_ai.request.model", request.Pool.Model);
        _telemetry.TimeToFirstByte.Record(sinceArrival.TotalSeconds, model, new("gen_ai.request.stream", request.Parsed.Stream));
        _telemetry.Overhead.Record(Math.Max(0, overhead.TotalSeconds), model);
        if (request.Parsed.Stream)
        {
            _telemetry.TimeToFirstChunk.Record(_time.GetElapsedTime(started, firstByteTicks).TotalSeconds,
                new("gen_ai.operation.name", request.Operation.GenAiName()), new("gen_ai.provider.name", GatewayTelemetry.ProviderName),
                model, new("server.address", deployment.ServerAddress));
        }
    }

    private void Complete(GatewayRequest request, Deployment deployment, int status, ResponseObserver observer, Activity? activity,
        TimeSpan duration, AttemptState state)
    {
        state.Status = status;
        state.InputTokens = observer.InputTokens ?? 0;
        state.OutputTokens = observer.OutputTokens ?? 0;
        state.CachedInputTokens = observer.CachedInputTokens ?? 0;
        state.ResponseModel = observer.ResponseModel;

        var tags = new TagList
        {
            { "gen_ai.operation.name", request.Operation.GenAiName() },
            { "gen_ai.provider.name", GatewayTelemetry.ProviderName },
            { "gen_ai.request.model", request.Pool.Model },
            { "server.address", deployment.ServerAddress },
        };
        if (observer.ResponseModel is not null)
        {
            tags.Add("gen_ai.response.model", observer.ResponseModel);
        }

        if (status >= 400)
        {
            tags.Add("error.type", StatusName(status));
        }

        _telemetry.OperationDuration.Record(duration.TotalSeconds, tags);
        if (observer.InputTokens is { } input)
        {
            var inputTags = tags;
            inputTags.Add("gen_ai.token.type", "input");
            _telemetry.TokenUsage.Record(input, inputTags);
        }

        if (observer.OutputTokens is { } output)
        {
            var outputTags = tags;
            outputTags.Add("gen_ai.token.type", "output");
            _telemetry.TokenUsage.Record(output, outputTags);
        }

        foreach (var verdict in observer.Verdicts)
        {
            _telemetry.ContentFilter.Add(1, new("aoai.content_filter.source", verdict.Source), new("aoai.content_filter.category", verdict.Category),
                new("aoai.content_filter.severity", verdict.Severity), new("aoai.content_filter.filtered", verdict.Filtered));
            if (verdict.Filtered)
            {
                ForwardingLog.ContentFiltered(_logger, deployment.Name, request.Client.Id, verdict.Source, verdict.Category, verdict.Severity, verdict.Filtered);
            }
        }

        if (observer.CompletionFiltered && observer.Verdicts.Count == 0)
        {
            // A filtered completion whose category the response did not carry.
            _telemetry.ContentFilter.Add(1, new("aoai.content_filter.source", "completion"), new("aoai.content_filter.category", "other"),
                new("aoai.content_filter.severity", "other"), new("aoai.content_filter.filtered", true));
        }

        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("http.response.status_code", status);
            activity.SetTag("gen_ai.response.model", observer.ResponseModel);
            activity.SetTag("gen_ai.response.id", observer.ResponseId);
            if (observer.InputTokens is not null)
            {
                activity.SetTag("gen_ai.usage.input_tokens", observer.InputTokens);
            }

            if (observer.OutputTokens is not null)
            {
                activity.SetTag("gen_ai.usage.output_tokens", observer.OutputTokens);
            }

            if (observer.FinishReasons.Count > 0)
            {
                activity.SetTag("gen_ai.response.finish_reasons", observer.FinishReasons.ToArray());
            }

            if (status >= 400)
            {
                activity.SetTag("error.type", observer.ErrorCode ?? StatusName(status));
                activity.SetStatus(ActivityStatusCode.Error);
            }
        }
    }

    private void Fail(GatewayRequest request, Deployment deployment, int attempt, Activity? activity, string reason, int status,
        TimeSpan cooldown, DateTimeOffset now)
    {
        deployment.RecordFailure(reason, status, now);
        var cooled = deployment.CoolDown(now + cooldown);
        if (cooled)
        {
            _telemetry.Cooldowns.Add(1, new("aoai.deployment", deployment.Name), new("aoai.cooldown.reason", reason));
        }

        _telemetry.UpstreamResponses.Add(1, new("aoai.deployment", deployment.Name), new("http.response.status_code", reason));
        ForwardingLog.AttemptFailed(_logger, deployment.Name, attempt, request.Client.Id, reason, (long)cooldown.TotalMilliseconds);
        if (activity is not null)
        {
            activity.SetTag("error.type", reason);
            activity.SetTag("aoai.cooldown_ms", (long)cooldown.TotalMilliseconds);
            activity.SetStatus(ActivityStatusCode.Error);
        }
    }

    private async Task WriteExhaustedAsync(GatewayRequest request, int attempts)
    {
        var now = _time.GetUtcNow();
        var pool = request.Pool;
        var recovery = pool.EarliestRecovery(now);
        var retryAfter = recovery is null ? TimeSpan.FromSeconds(1) : recovery.Value - now;
        var allCooling = pool.AllCooling(now);
        ForwardingLog.Exhausted(_logger, pool.Model, request.Client.Id, attempts, allCooling, (long)retryAfter.TotalMilliseconds);
        if (allCooling)
        {
            _telemetry.Rejections.Add(1, new KeyValuePair<string, object?>("error.type", "all_deployments_cooling"));
            await OpenAiErrors.WriteAsync(request.Http, StatusCodes.Status429TooManyRequests,
                $"Every deployment of '{pool.Model}' is cooling down after rate limiting or errors. Please retry after {Math.Ceiling(retryAfter.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)} ms.",
                OpenAiErrors.RateLimit, "rate_limit_exceeded", retryAfter: retryAfter).ConfigureAwait(false);
            return;
        }

        _telemetry.Rejections.Add(1, new KeyValuePair<string, object?>("error.type", "retry_budget_exhausted"));
        await OpenAiErrors.WriteAsync(request.Http, StatusCodes.Status503ServiceUnavailable,
            $"No deployment of '{pool.Model}' answered within the gateway's retry budget ({attempts.ToString(CultureInfo.InvariantCulture)} attempts). Please retry.",
            OpenAiErrors.Server, "upstream_unavailable", retryAfter: retryAfter).ConfigureAwait(false);
    }

    private void ReportUsage(GatewayRequest request, Deployment deployment, AttemptState state, int attempts)
    {
        _usage.Report(request, new UsageRecord(
            request.Http.TraceIdentifier, request.Client.Id, request.Pool.Model, state.ResponseModel, deployment.Name, deployment.Region,
            state.InputTokens, state.CachedInputTokens, state.OutputTokens, CacheHit: false, state.Status, request.Parsed.Stream, attempts,
            _time.GetElapsedTime(request.StartTimestamp).TotalMilliseconds, state.TimeToFirstByte?.TotalMilliseconds, _time.GetUtcNow()));
    }

    private static void TagRequest(Activity activity, GatewayRequest request, Deployment deployment, int attempt)
    {
        activity.SetTag("gen_ai.operation.name", request.Operation.GenAiName());
        activity.SetTag("gen_ai.provider.name", GatewayTelemetry.ProviderName);
        activity.SetTag("gen_ai.request.model", request.Pool.Model);
        activity.SetTag("gen_ai.request.stream", request.Parsed.Stream);
        if (request.Parsed.MaxTokens is { } maxTokens)
        {
            activity.SetTag("gen_ai.request.max_tokens", maxTokens);
        }

        if (request.Parsed.Temperature is { } temperature)
        {
            activity.SetTag("gen_ai.request.temperature", temperature);
        }

        activity.SetTag("server.address", deployment.ServerAddress);
        activity.SetTag("server.port", deployment.ServerPort);
        activity.SetTag("aoai.deployment", deployment.Name);
        activity.SetTag("aoai.region", deployment.Region);
        activity.SetTag("aoai.attempt", attempt);
        activity.SetTag("aoai.client.id", request.Client.Id);
    }

    private static readonly string[] StatusNames = CreateStatusNames();

    private static string[] CreateStatusNames()
    {
        var names = new string[600];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = i.ToString(CultureInfo.InvariantCulture);
        }

        return names;
    }

    private static string StatusName(int status) => status is >= 0 and < 600 ? StatusNames[status] : status.ToString(CultureInfo.InvariantCulture);

    private static string ErrorName(HttpRequestError error) => error switch
    {
        HttpRequestError.NameResolutionError => "name_resolution_error",
        HttpRequestError.ConnectionError => "connection_error",
        HttpRequestError.SecureConnectionError => "tls_error",
        HttpRequestError.ResponseEnded => "response_ended",
        HttpRequestError.InvalidResponse => "invalid_response",
        _ => "http_error",
    };

    private enum AttemptOutcome
    {
        Completed,
        Failed,
        ClientGone,
    }

    /// <summary>What the attempts of one request learned, across attempts.</summary>
    private sealed class AttemptState
    {
        public long UpstreamWaitTicks;
        public TimeSpan? TimeToFirstByte;
        public int Status;
        public int InputTokens;
        public int OutputTokens;
        public int CachedInputTokens;
        public string? ResponseModel;
    }
}
