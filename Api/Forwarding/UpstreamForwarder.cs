using System.Buffers;
using System.Globalization;
using AspireAoai.Api.Parsing;
using AspireAoai.Api.Routing;
using AspireAoai.Api.Telemetry;
using AspireAoai.Api.Usage;
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
/// <remarks>
/// This file is the failover loop: which deployment each attempt goes to, the retry budget (attempts and total
/// time), and the answer when it runs out. One attempt (building and sending the upstream request, classifying its
/// answer, cooling a deployment that failed) is in <c>UpstreamForwarder.Attempt.cs</c>; relaying an answer in
/// <c>UpstreamForwarder.BufferedRelay.cs</c> and <c>UpstreamForwarder.StreamingRelay.cs</c>.
/// </remarks>
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
        var unconnected = default(TriedSet);
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
            if (deployment is null && !unconnected.IsEmpty)
            {
                // Nothing else is left: the deployments that only failed to connect while answering others go again.
                tried = tried.Remove(unconnected);
                unconnected = default;
                continue;
            }

            if (deployment is null)
            {
                break;
            }

            tried = tried.Add(deployment.PoolIndex);
            state.Attempts++;
            if (previous is not null && previous != deployment)
            {
                _telemetry.Failovers.Add(1, new("aoai.deployment.from", previous.Name), new("aoai.deployment.to", deployment.Name), new("gen_ai.request.model", pool.Model));
                ForwardingLog.FailingOver(_logger, request.Client.Id, previous.Name, deployment.Name);
            }

            var outcome = await AttemptAsync(client, request, upstreamBody, deployment, state.Attempts,
                attemptTimeout < remaining ? attemptTimeout : remaining, state).ConfigureAwait(false);
            if (outcome == AttemptOutcome.Unconnected)
            {
                unconnected = unconnected.Add(deployment.PoolIndex);
            }
            else if (outcome != AttemptOutcome.Failed)
            {
                _telemetry.Attempts.Record(state.Attempts, new KeyValuePair<string, object?>("gen_ai.request.model", pool.Model));
                return;
            }

            previous = deployment;
        }

        _telemetry.Attempts.Record(state.Attempts, new KeyValuePair<string, object?>("gen_ai.request.model", pool.Model));
        await WriteExhaustedAsync(request, state).ConfigureAwait(false);
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

        /// <summary>
        /// No connection could be opened in time while the deployment answered other requests: its accept queue (or the
        /// path to it) was full, not the deployment down. Other deployments are tried first; then this one again.
        /// </summary>
        Unconnected,

        /// <summary>The client went away.</summary>
        ClientGone,

        /// <summary>The upstream broke off after the response started; the client connection was aborted.</summary>
        Broken,
    }

}
