using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using AspireAoai.Api.Answers;
using AspireAoai.Api.Parsing;
using AspireAoai.Api.Routing;
using AspireAoai.Api.Telemetry;
using AspireAoai.Api.Usage;
using Azure.Identity;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Forwarding;

/// <summary>
/// Sends a request to its pool and relays the answer. Each attempt goes to the best eligible deployment; a
/// 429, 5xx, timeout or connection failure before the first response byte cools that deployment down for as
/// long as it asked and moves the request on, within the retry budget. Nothing reaches the client until an
/// attempt has produced its first body byte, so streaming requests fail over too. After that the response
/// is streamed through as it arrives. Every request that reaches the forwarder leaves with its outcome recorded on the
/// <see cref="GatewayRequest"/> (status, deployment, attempts, usage), whatever its end (answered, refused after the retry
/// budget, client gone, upstream broken), for <see cref="RequestCompletion"/> to settle and report.
/// </summary>
public sealed partial class UpstreamForwarder
{
    private const int RelayBufferSize = 16 * 1024;
    private const string UpstreamClientName = "upstream";

    /// <summary>Status reported for a request whose client went away (nginx's "client closed request").</summary>
    internal const int ClientClosedRequest = 499;

    /// <summary>Status reported when the upstream broke off a response that had started (the client's connection is aborted).</summary>
    internal const int BrokenResponse = StatusCodes.Status502BadGateway;

    private readonly HttpMessageInvoker _client;
    private readonly CooldownPolicy _cooldown;
    private readonly RoutingOptions _options;
    private readonly TimeProvider _time;
    private readonly GatewayTelemetry _telemetry;
    private readonly IDeploymentCapacity _capacity;
    private readonly UsagePricer _pricer;
    private readonly string _upstreamApiVersion;
    private readonly int _costHeaderMaxBodyBytes;
    private readonly ILogger<UpstreamForwarder> _logger;

    public UpstreamForwarder(IHttpMessageHandlerFactory handlers, CooldownPolicy cooldown, IOptions<RoutingOptions> options, TimeProvider time,
        GatewayTelemetry telemetry, IDeploymentCapacity capacity, UsagePricer pricer, IOptions<UpstreamOptions> upstream,
        IOptions<UsageOptions> usageOptions, ILogger<UpstreamForwarder> logger)
    {
        // One invoker for the forwarder's lifetime: its SocketsHttpHandler recycles pooled connections itself
        // (PooledConnectionLifetime), so DNS changes are still seen. An invoker rather than an HttpClient: the
        // handlers already return at the response headers, and HttpClient would add a linked cancellation source and
        // an async layer to every request for a timeout and base address the gateway does not use.
        _client = new HttpMessageInvoker(handlers.CreateHandler(UpstreamClientName), disposeHandler: false);
        _cooldown = cooldown;
        _options = options.Value;
        _time = time;
        _telemetry = telemetry;
        _capacity = capacity;
        _pricer = pricer;
        _upstreamApiVersion = upstream.Value.UpstreamApiVersion;
        _costHeaderMaxBodyBytes = usageOptions.Value.CostHeaderMaxBodyBytes;
        _logger = logger;
    }

    /// <summary>Name of the upstream client (its handler chain is configured on this name).</summary>
    public static string ClientName => UpstreamClientName;

    /// <summary>Forwards the request and records its outcome on it, when it has ended.</summary>
    public async Task ForwardAsync(GatewayRequest request)
    {
        var state = new RequestState();
        var upstreamBody = request.Body;
        byte[]? rewritten = null;
        if (StreamUsageRequest.ShouldInject(request.Operation, request.Parsed, request.ApiVersion ?? _upstreamApiVersion)
            && !StreamUsageExemptions.RejectsStreamOptions(request.Body.Span)
            && StreamUsageRequest.Rewrite(request.Body.Span) is { } rewrite)
        {
            rewritten = rewrite.Buffer;
            upstreamBody = rewrite.Buffer.AsMemory(0, rewrite.Length);
            state.HideUsageChunk = true;
        }

        try
        {
            await ForwardCoreAsync(request, upstreamBody, state).ConfigureAwait(false);
        }
        finally
        {
            if (rewritten is not null)
            {
                ArrayPool<byte>.Shared.Return(rewritten);
            }

            RecordOutcome(request, state);
        }
    }

    private async Task ForwardCoreAsync(GatewayRequest request, ReadOnlyMemory<byte> upstreamBody, RequestState state)
    {
        var pool = request.Pool;
        var tried = default(TriedSet);
        Deployment? previous = null;
        var attemptTimeout = request.Parsed.Stream ? _options.StreamingAttemptTimeout : _options.AttemptTimeout;
        var client = _client;

        while (state.Attempts < _options.MaxAttempts)
        {
            var remaining = _options.MaxTotalTime - _time.GetElapsedTime(request.StartTimestamp);
            if (remaining <= TimeSpan.Zero)
            {
                break;
            }

            // A Responses create continuing a stored response may only use the resource that holds it (no probe rule:
            // there is no other deployment to send it to).
            var deployment = request.PinnedDeployment is { } pinned
                ? (tried.Contains(pinned.PoolIndex) || pinned.IsCooling(_time.GetUtcNow()) ? null : pinned)
                : pool.Select(tried, _time.GetUtcNow(), Random.Shared, _capacity, request, attemptTimeout);
            if (deployment is null)
            {
                break;
            }

            tried = tried.Add(deployment.PoolIndex);
            state.Attempts++;
            if (previous is not null)
            {
                _telemetry.Failovers.Add(1, new("aoai.deployment.from", previous.Name), new("aoai.deployment.to", deployment.Name), new("gen_ai.request.model", pool.Model));
                ForwardingLog.FailingOver(_logger, request.Client.Id, previous.Name, deployment.Name);
            }

            var outcome = await AttemptAsync(client, request, upstreamBody, deployment, state.Attempts,
                attemptTimeout < remaining ? attemptTimeout : remaining, state).ConfigureAwait(false);
            if (outcome != AttemptOutcome.Failed)
            {
                _telemetry.Attempts.Record(state.Attempts, new KeyValuePair<string, object?>("gen_ai.request.model", pool.Model));
                return;
            }

            previous = deployment;
        }

        _telemetry.Attempts.Record(state.Attempts, new KeyValuePair<string, object?>("gen_ai.request.model", pool.Model));
        await WriteExhaustedAsync(request, state).ConfigureAwait(false);
    }

    private async Task<AttemptOutcome> AttemptAsync(HttpMessageInvoker client, GatewayRequest request, ReadOnlyMemory<byte> upstreamBody,
        Deployment deployment, int attempt, TimeSpan timeout, RequestState state)
    {
        var context = request.Http;
        var aborted = context.RequestAborted;
        using var activity = GatewayTelemetry.ActivitySource.StartActivity(deployment.SpanName(request.Operation), ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            TagRequest(activity, request, deployment, attempt);
        }

        using var timeoutSource = new CancellationTokenSource(timeout, _time);
        var abortLink = aborted.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), timeoutSource);
        var token = timeoutSource.Token;
        var started = _time.GetTimestamp();
        HttpResponseMessage? response = null;
        byte[]? buffer = null;
        Stream? body = null;
        byte[]? v1Body = null; // this attempt's body on the v1 surface (every Responses call), when its model had to change
        try
        {
            if ((deployment.UsesV1Api || request.Operation == OperationKind.Responses) && V1ModelBody.Rewrite(upstreamBody.Span, deployment) is { } v1)
            {
                v1Body = v1.Buffer;
                upstreamBody = v1.Buffer.AsMemory(0, v1.Length);
            }

            using var message = new HttpRequestMessage(HttpMethod.Post, deployment.GetUri(request.Operation, request.ApiVersion))
            {
                Content = new ReadOnlyMemoryContent(upstreamBody),
            };
            message.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
            if (context.Request.Headers.TryGetValue("x-ms-client-request-id", out var clientRequestId))
            {
                message.Headers.TryAddWithoutValidation("x-ms-client-request-id", (IEnumerable<string?>)clientRequestId);
            }

            InjectTraceContext(activity, message);
            await deployment.Auth.ApplyAsync(message, token).ConfigureAwait(false);
            deployment.RecordAttempt();
            response = await client.SendAsync(message, token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            if (CooldownPolicy.IsRetryable(status))
            {
                state.UpstreamWaitTicks += _time.GetTimestamp() - started;
                var now = _time.GetUtcNow();
                var cooldown = _cooldown.FromResponse(response.Headers, now);
                Fail(request, deployment, attempt, activity, StatusName(status), status, cooldown, now);
                return AttemptOutcome.Failed;
            }

            var shape = ResponseShape.Of(response.Content.Headers);
            if (!shape.IsSse)
            {
                // A non-streamed answer is complete upstream once its headers arrive: from here on the client leaving
                // no longer cancels the read, so the usage of what was generated is still learned (bounded by the
                // attempt's remaining time).
                abortLink.Unregister();
            }

            // Hold the response back until its first body byte: a stream that stalls here can still fail over.
            // The connection's stream, there already once the headers are: taken without a Task.
            body = response.Content.ReadAsStream(token);
            if (shape.IsJson && response.Content.Headers.ContentLength is { } declared && declared <= _costHeaderMaxBodyBytes)
            {
                // Small enough to hold: read it whole before the headers so its cost can be one of them.
                var length = (int)declared;
                buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
                await ReadExactlyAsync(body, buffer.AsMemory(0, length), token).ConfigureAwait(false);
                var readTicks = _time.GetTimestamp();
                state.UpstreamWaitTicks += readTicks - started;
                RecordUpstreamStatus(deployment, status);
                return await RelayBufferedAsync(request, deployment, status, response, buffer, length, started, readTicks, activity, state)
                    .ConfigureAwait(false);
            }

            buffer = ArrayPool<byte>.Shared.Rent(RelayBufferSize);
            var first = await body.ReadAsync(buffer, token).ConfigureAwait(false);
            var firstByteTicks = _time.GetTimestamp();
            state.UpstreamWaitTicks += firstByteTicks - started;
            RecordUpstreamStatus(deployment, status);
            var readToken = shape.IsSse ? aborted : token;
            return await RelayStreamingAsync(request, deployment, status, shape, response, body, buffer, first, readToken, started, firstByteTicks,
                activity, state).ConfigureAwait(false);
        }
        catch (Exception ex) when (aborted.IsCancellationRequested && !context.Response.HasStarted
            && ex is OperationCanceledException or HttpRequestException or IOException)
        {
            // The client left: whatever the cancellation surfaced as (a cancelled connect can end as an HttpRequestException),
            // it is no word from the upstream and never cools the deployment.
            ForwardingLog.ClientGone(_logger, request.Client.Id, deployment.Name);
            activity?.SetTag("error.type", "client_disconnected");
            state.Status = ClientClosedRequest;
            return AttemptOutcome.ClientGone;
        }
        catch (Exception ex) when (context.Response.HasStarted)
        {
            // Once bytes reached the client no failover is possible; abort rather than send a second response.
            ForwardingLog.BrokenMidResponse(_logger, deployment.Name, request.Client.Id, ex);
            activity?.SetTag("error.type", "broken_response");
            activity?.SetStatus(ActivityStatusCode.Error);
            context.Abort();
            state.Status = aborted.IsCancellationRequested ? ClientClosedRequest : BrokenResponse;
            return AttemptOutcome.Broken;
        }
        catch (Exception ex) when (LocalFault.Reason(ex) is { } local)
        {
            FailLocally(request, deployment, attempt, activity, local, ex, state);
            return AttemptOutcome.Failed;
        }
        catch (OperationCanceledException)
        {
            state.UpstreamWaitTicks += _time.GetTimestamp() - started;
            var now = _time.GetUtcNow();
            Fail(request, deployment, attempt, activity, "timeout", 0, TimeoutCooldown(request, deployment, timeout, now), now);
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
            abortLink.Dispose();
            if (buffer is not null)
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }

            if (v1Body is not null)
            {
                ArrayPool<byte>.Shared.Return(v1Body);
            }

            if (body is not null)
            {
                await body.DisposeAsync().ConfigureAwait(false);
            }

            response?.Dispose();
        }
    }

    /// <summary>Fills <paramref name="destination"/>; a body shorter than it declared is a broken response (IOException).</summary>
    private static async ValueTask ReadExactlyAsync(Stream body, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var filled = 0;
        while (filled < destination.Length)
        {
            var read = await body.ReadAsync(destination[filled..], cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                throw new IOException("The upstream response ended before its declared Content-Length.");
            }

            filled += read;
        }
    }

    /// <summary>
    /// A timeout's cool-down, only when the timeout is not the request's own doing. A stream that produced no first byte
    /// within its attempt timeout had not started generating, whatever its size, an embeddings request generates nothing,
    /// and a non-streamed request whose
    /// <c>max_tokens</c> fits in half the attempt at <see cref="RoutingOptions.NonStreamingTokensPerSecond"/> should
    /// have finished: the deployment is at fault and cools at once. Any other non-streamed timeout may be the request's
    /// length (a large or unset max_tokens): it cools the deployment only when several distinct clients timed out on it
    /// (<see cref="RoutingOptions.TimeoutCooldownClients"/>), so one client cannot take a deployment from everyone.
    /// </summary>
    private TimeSpan TimeoutCooldown(GatewayRequest request, Deployment deployment, TimeSpan timeout, DateTimeOffset now)
    {
        var parsed = request.Parsed;
        // Embeddings generate nothing: their time does not grow with an output length.
        var shortRequest = request.Operation == OperationKind.Embeddings
            || (parsed.MaxTokens is { } maxTokens && _options.NonStreamingTokensPerSecond > 0
                && maxTokens <= timeout.TotalSeconds * _options.NonStreamingTokensPerSecond / 2);
        return parsed.Stream || shortRequest
            || deployment.Timeouts.Record(request.Client.Id, now, _options.TimeoutWindow, _options.TimeoutCooldownClients)
            ? _cooldown.Default
            : TimeSpan.Zero;
    }

    private void RecordUpstreamStatus(Deployment deployment, int status)
    {
        deployment.RecordStatus(status);
        deployment.RecordAnswer(_time.GetUtcNow());
        deployment.Timeouts.Clear();
        _telemetry.UpstreamResponses.Add(1, new("aoai.deployment", deployment.Name), new("http.response.status_code", StatusName(status)));
    }

    private async Task WriteExhaustedAsync(GatewayRequest request, RequestState state)
    {
        var now = _time.GetUtcNow();
        var pool = request.Pool;
        var recovery = pool.EarliestRecovery(now);
        var retryAfter = recovery is null ? TimeSpan.FromSeconds(1) : recovery.Value - now;
        if (request.PinnedDeployment is { } pinned)
        {
            state.Deployment = null;
            state.Status = StatusCodes.Status503ServiceUnavailable;
            _telemetry.Rejections.Add(1, new KeyValuePair<string, object?>("error.type", "deployment_unavailable"));
            await Responses.ResponseOwners.WriteUnavailableAsync(request.Http, pinned, pinned.CoolingUntil(now) - now ?? TimeSpan.FromSeconds(1))
                .ConfigureAwait(false);
            return;
        }

        var allCooling = pool.AllCooling(now);
        ForwardingLog.Exhausted(_logger, pool.Model, request.Client.Id, state.Attempts, allCooling, (long)retryAfter.TotalMilliseconds);
        state.Deployment = null;
        request.Http.Response.Headers[CostHeaders.Cost] = "0";
        if (state.LocalFault is not null && !allCooling)
        {
            await WriteOverloadedAsync(request, state).ConfigureAwait(false);
            return;
        }

        if (allCooling)
        {
            state.Status = StatusCodes.Status429TooManyRequests;
            _telemetry.Rejections.Add(1, new KeyValuePair<string, object?>("error.type", "all_deployments_cooling"));
            await OpenAiErrors.WriteAsync(request.Http, StatusCodes.Status429TooManyRequests,
                $"Every deployment of '{pool.Model}' is cooling down after rate limiting or errors. Please retry after {Math.Ceiling(retryAfter.TotalMilliseconds).ToString(CultureInfo.InvariantCulture)} ms.",
                OpenAiErrors.RateLimit, "rate_limit_exceeded", retryAfter: retryAfter).ConfigureAwait(false);
            return;
        }

        state.Status = StatusCodes.Status503ServiceUnavailable;
        _telemetry.Rejections.Add(1, new KeyValuePair<string, object?>("error.type", "retry_budget_exhausted"));
        await OpenAiErrors.WriteAsync(request.Http, StatusCodes.Status503ServiceUnavailable,
            $"No deployment of '{pool.Model}' answered within the gateway's retry budget ({state.Attempts.ToString(CultureInfo.InvariantCulture)} attempts). Please retry.",
            OpenAiErrors.Server, "upstream_unavailable", retryAfter: retryAfter).ConfigureAwait(false);
    }

    /// <summary>
    /// Why a non-streamed chat request or Responses create cannot be answered within one attempt, or null: its <c>max_tokens</c> (<c>max_output_tokens</c>) could not be
    /// generated within the attempt timeout at <see cref="RoutingOptions.NonStreamingTokensPerSecond"/>, so it would time
    /// out on a healthy deployment. Checked with the other bad input, before admission (it is refused, never charged).
    /// </summary>
    public string? TooLongForOneAttempt(OperationKind operation, in ParsedRequest parsed)
    {
        if (!operation.GeneratesOutput() || parsed.Stream || _options.MaxNonStreamingTokens is not { } most
            || parsed.MaxTokens is not { } maxTokens || maxTokens <= most)
        {
            return null;
        }

        var seconds = _options.AttemptTimeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        if (operation == OperationKind.Responses)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"max_output_tokens is {maxTokens}, more than a non-streamed answer can generate within this gateway's {seconds} s attempt timeout (at most {most}). Send \"stream\": true for long answers, or lower max_output_tokens to {most} or less.");
        }

        return string.Create(CultureInfo.InvariantCulture,
            $"max_tokens is {maxTokens}, more than a non-streamed answer can generate within this gateway's {seconds} s attempt timeout (at most {most}). Send \"stream\": true for long answers, or lower max_tokens (or max_completion_tokens) to {most} or less.");
    }

    /// <summary>What the attempts learned, on the request for its completion (<see cref="RequestCompletion"/>).</summary>
    private static void RecordOutcome(GatewayRequest request, RequestState state)
    {
        var http = request.Http;
        var status = state.Status;
        if (status == 0)
        {
            // Only an unexpected failure ends here without a status; the handler answers it with a 500.
            status = http.RequestAborted.IsCancellationRequested ? ClientClosedRequest
                : http.Response.HasStarted ? http.Response.StatusCode
                : StatusCodes.Status500InternalServerError;
        }

        request.Status = status;
        request.Forwarded = true;
        request.Deployment = state.Deployment;
        request.Attempts = state.Attempts;
        request.TimeToFirstByte = state.TimeToFirstByte;
        request.PricedAt = state.PricedAt;
        request.Usage = new ObservedUsage
        {
            InputTokens = state.InputTokens,
            CachedInputTokens = state.CachedInputTokens,
            OutputTokens = state.OutputTokens,
            AudioInputTokens = state.AudioInputTokens,
            AudioOutputTokens = state.AudioOutputTokens,
            ReasoningTokens = state.ReasoningTokens,
            ResponseModel = state.ResponseModel,
            Estimated = state.Estimated,
        };
    }

    private enum AttemptOutcome
    {
        /// <summary>The response was relayed in full.</summary>
        Completed,

        /// <summary>The attempt failed before the response started; the next deployment may be tried.</summary>
        Failed,

        /// <summary>The client went away.</summary>
        ClientGone,

        /// <summary>The upstream broke off after the response started; the client connection was aborted.</summary>
        Broken,
    }

    /// <summary>What the content type says about how to relay a response.</summary>
    private readonly record struct ResponseShape(bool IsSse, bool IsJson)
    {
        public static ResponseShape Of(System.Net.Http.Headers.HttpContentHeaders headers)
        {
            var mediaType = headers.ContentType?.MediaType;
            var isSse = string.Equals(mediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase);
            return new ResponseShape(isSse, !isSse && mediaType is not null && mediaType.Contains("json", StringComparison.OrdinalIgnoreCase));
        }
    }

    /// <summary>What the attempts of one request learned, across attempts, for its outcome.</summary>
    private sealed class RequestState
    {
        public int Attempts;
        public long UpstreamWaitTicks;
        public TimeSpan? TimeToFirstByte;
        public bool HideUsageChunk;

        /// <summary>Responses: the id of the response was recorded with its deployment.</summary>
        public bool OwnerRecorded;

        /// <summary>Why an attempt failed inside this gateway (<see cref="LocalFault"/>), null when none did.</summary>
        public string? LocalFault;

        /// <summary>The status the client got (499 when it went away), 0 while unknown.</summary>
        public int Status;

        /// <summary>The deployment whose answer was relayed; null when none was.</summary>
        public Deployment? Deployment;

        public int InputTokens;
        public int OutputTokens;
        public int CachedInputTokens;
        public int AudioInputTokens;
        public int AudioOutputTokens;
        public int ReasoningTokens;
        public string? ResponseModel;

        /// <summary>When the cost header was computed: the usage event is priced at the same moment.</summary>
        public DateTimeOffset? PricedAt;

        public bool UsageKnown;

        /// <summary>The tokens are the gateway's count, not the upstream's: the stream ended without its usage chunk.</summary>
        public bool Estimated;

        public void Capture(ResponseObserver observer)
        {
            InputTokens = observer.InputTokens ?? 0;
            OutputTokens = observer.OutputTokens ?? 0;
            CachedInputTokens = observer.CachedInputTokens ?? 0;
            AudioInputTokens = observer.AudioInputTokens ?? 0;
            AudioOutputTokens = observer.AudioOutputTokens ?? 0;
            ReasoningTokens = observer.ReasoningTokens ?? 0;
            ResponseModel = observer.ResponseModel;
            UsageKnown = observer.InputTokens is not null || observer.OutputTokens is not null;
        }
    }
}
