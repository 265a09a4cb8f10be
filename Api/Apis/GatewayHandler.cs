using System.Globalization;
using AspireAoai.Api.Auth;
using AspireAoai.Api.Caching;
using AspireAoai.Api.Forwarding;
using AspireAoai.Api.Parsing;
using AspireAoai.Api.RateLimiting;
using AspireAoai.Api.Routing;
using AspireAoai.Api.Telemetry;
using AspireAoai.Api.Usage;

namespace AspireAoai.Api.Apis;

/// <summary>
/// The hot path of one completion or embeddings request: authenticate, read and parse the body, find the pool,
/// admit (rate limits, budget), look in the cache, then forward. Each step is a small type behind an interface;
/// this class only puts them in order and turns refusals into OpenAI-shaped errors.
/// Each step records its outcome on the <see cref="GatewayRequest"/> (a refusal's status, the cache hit, what the
/// forwarder relayed); once the request has ended, however, <see cref="RequestCompletion"/> settles, reports and caches
/// it, exactly once for every request whose client and pool are known. Requests without a known client (401) or pool
/// (bad input: 400, 404, 408, 413, 415) are not accounted, nor those over the client's cap of requests in flight (429,
/// refused before the body is read, like a 401).
/// </summary>
public sealed partial class GatewayHandler
{
    private readonly ClientAuthentication _auth;
    private readonly RequestBodyReader _bodyReader;
    private readonly DeploymentCatalog _catalog;
    private readonly IRequestAdmission _admission;
    private readonly ClientGates _gates;
    private readonly IResponseCache _cache;
    private readonly UpstreamForwarder _forwarder;
    private readonly GatewayTelemetry _telemetry;
    private readonly RequestCompletion _completion;
    private readonly TimeProvider _time;
    private readonly ILogger<GatewayHandler> _logger;

    public GatewayHandler(ClientAuthentication auth, RequestBodyReader bodyReader, DeploymentCatalog catalog, IRequestAdmission admission,
        ClientGates gates, IResponseCache cache, UpstreamForwarder forwarder, GatewayTelemetry telemetry, RequestCompletion completion, TimeProvider time,
        ILogger<GatewayHandler> logger)
    {
        _gates = gates;
        _auth = auth;
        _bodyReader = bodyReader;
        _catalog = catalog;
        _admission = admission;
        _cache = cache;
        _forwarder = forwarder;
        _telemetry = telemetry;
        _completion = completion;
        _time = time;
        _logger = logger;
    }

    /// <summary>The gateway's own request id, on every response (upstream ids such as <c>x-request-id</c> pass through too).</summary>
    public const string RequestIdHeader = "x-aoai-request-id";

    /// <summary>
    /// Bodies larger than this are parsed and counted on the thread pool, never on a socket event thread (see
    /// <see cref="Forwarding.SocketCompletions"/>): estimating the tokens of a 32 KB prompt
    /// takes about 0.6 ms (bench/micro, <c>TokenEstimator.Estimate (32 KB prompt)</c>).
    /// </summary>
    internal const int InlineBodyBytes = 32 * 1024;

    public async Task HandleAsync(HttpContext context, OperationKind operation, ApiStyle style)
    {
        var start = _time.GetTimestamp();
        // Kestrel's trace identifier is unique only within one process; usage events carry the request id to every
        // replica and the Worker, so each request gets a globally unique one, also returned to the client.
        // x-request-id and apim-request-id are the gateway's id until an upstream answer brings its own.
        RequestIds.Assign(context);
        PooledBody? body = null;
        GatewayRequest? request = null; // accounted: completed when the handler is done with it
        ClientGate? entered = null; // holds one of the client's in-flight slots until the request is done
        try
        {
            var authenticated = await _auth.AuthenticateAsync(context).ConfigureAwait(false);
            if (authenticated.Client is not { } client)
            {
                await RejectAsync(context, authenticated.Status, authenticated.Message!,
                    authenticated.Status == StatusCodes.Status401Unauthorized ? OpenAiErrors.InvalidRequest : OpenAiErrors.Server,
                    authenticated.Code!).ConfigureAwait(false);
                return;
            }

            string? apiVersion = null;
            DeploymentPool? pool = null;
            string? requested = null;
            if (style == ApiStyle.AzureDeployment)
            {
                var (count, value) = ApiVersion(context.Request.QueryString);
                if (count > 0)
                {
                    apiVersion = value;
                    if (count > 1 || !UpstreamOptionsValidator.IsApiVersion(apiVersion))
                    {
                        await RejectAsync(context, StatusCodes.Status400BadRequest, "The 'api-version' query parameter is not a valid API version.",
                            OpenAiErrors.InvalidRequest, "invalid_api_version", "api-version").ConfigureAwait(false);
                        return;
                    }
                }

                // From the path, not the route values: OpenAiRoutes' shortcut runs this endpoint without routing.
                if (!_catalog.TryGetPool(OpenAiRoutes.Deployment(context.Request.Path.Value), out pool, out requested))
                {
                    await RejectAsync(context, StatusCodes.Status404NotFound,
                        "The API deployment for this resource does not exist. Check the deployment name against the gateway's models.",
                        OpenAiErrors.InvalidRequest, "DeploymentNotFound").ConfigureAwait(false);
                    return;
                }
            }

            // Before the body is read: a client over its limits or at its cap of requests in flight costs no buffer or parse.
            var gate = _gates.For(client.Id);
            if (_gates.Enter(gate) is { } refusal)
            {
                // A remembered refusal is accounted like the admission refusal it repeats (the model from the path, else
                // the refused request's). The concurrency cap is not: like a 401 it protects the replica, and an attacker
                // refused hundreds of times a second must not cost a usage event each (the rejections metric counts them).
                if (refusal.UntilMs != 0 && (pool ?? refusal.Pool) is { } refusedPool)
                {
                    request = new GatewayRequest(context, client, operation, style, requested ?? refusal.RequestedModel ?? refusedPool.Model,
                        refusedPool, ReadOnlyMemory<byte>.Empty, default, apiVersion, start) { Status = refusal.StatusCode };
                }

                await RejectEarlyAsync(context, refusal).ConfigureAwait(false);
                return;
            }

            entered = gate;
            (var status, body) = await _bodyReader.ReadAsync(context.Request, context.RequestAborted).ConfigureAwait(false);
            if (status != BodyReadStatus.Ok)
            {
                await RejectBodyAsync(context, status).ConfigureAwait(false);
                return;
            }

            // With socket completions inline, a request that was already buffered when the previous one on its
            // connection finished on a socket event thread starts on that thread; a large body leaves it first.
            if (body!.Length > InlineBodyBytes && !Thread.CurrentThread.IsThreadPoolThread)
            {
                await Task.Yield();
            }

            if (!RequestParser.TryParse(body.Span, operation, out var parsed, out var error))
            {
                await RejectAsync(context, StatusCodes.Status400BadRequest, error.Message, OpenAiErrors.InvalidRequest, error.Code, error.Param).ConfigureAwait(false);
                return;
            }

            if (style == ApiStyle.OpenAiV1)
            {
                requested = parsed.Model;
                if (string.IsNullOrEmpty(requested))
                {
                    await RejectAsync(context, StatusCodes.Status400BadRequest, "Missing required parameter: 'model'.",
                        OpenAiErrors.InvalidRequest, "missing_required_parameter", "model").ConfigureAwait(false);
                    return;
                }

                if (!_catalog.TryGetPool(requested, out pool))
                {
                    await RejectAsync(context, StatusCodes.Status404NotFound,
                        $"The model '{Truncate(requested)}' does not exist or you do not have access to it.",
                        OpenAiErrors.InvalidRequest, "model_not_found", "model").ConfigureAwait(false);
                    return;
                }
            }

            if (_forwarder.TooLongForOneAttempt(operation, parsed) is { } tooLong)
            {
                await RejectAsync(context, StatusCodes.Status400BadRequest, tooLong, OpenAiErrors.InvalidRequest,
                    "max_tokens_exceeds_attempt_timeout", operation == OperationKind.Responses ? "max_output_tokens" : "max_tokens").ConfigureAwait(false);
                return;
            }

            request = new GatewayRequest(context, client, operation, style, requested!, pool!, body.Memory, parsed, apiVersion, start);
            if (!client.MayUse(pool!.Model, requested!))
            {
                request.Status = StatusCodes.Status403Forbidden;
                await RejectAsync(context, StatusCodes.Status403Forbidden,
                    $"This key may not use the model '{pool.Model}'.", OpenAiErrors.Permission, "model_not_allowed", "model").ConfigureAwait(false);
                return;
            }

            // A Responses create continuing a stored response goes to the resource that holds it (or is answered here).
            if (operation == OperationKind.Responses
                && !await context.RequestServices.GetRequiredService<Responses.ResponseOwners>().PrepareCreateAsync(request).ConfigureAwait(false))
            {
                request = null; // answered as bad input (unknown or unavailable previous response): not accounted
                return;
            }

            var admission = await _admission.AdmitAsync(request, context.RequestAborted).ConfigureAwait(false);
            if (!admission.Admitted)
            {
                _gates.Remember(gate, admission, request);
                request.Status = admission.StatusCode;
                _telemetry.Rejections.Add(1, new KeyValuePair<string, object?>("error.type", admission.Code ?? "rejected"));
                context.Response.Headers[CostHeaders.Cost] = "0";
                await OpenAiErrors.WriteAsync(context, admission.StatusCode, admission.Message ?? "The request was not admitted.",
                    admission.Type ?? (admission.StatusCode == StatusCodes.Status429TooManyRequests ? OpenAiErrors.RateLimit : OpenAiErrors.InvalidRequest),
                    admission.Code, retryAfter: admission.RetryAfter).ConfigureAwait(false);
                return;
            }

            if (await _cache.TryServeAsync(request, context.RequestAborted).ConfigureAwait(false))
            {
                return;
            }

            // The forwarder records the outcome of every request it takes, however it ends.
            await _forwarder.ForwardAsync(request).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is left to answer.
            HandlerEndings.ClientGone(request);
        }
        catch (Exception) when (context.Response.HasStarted)
        {
            // Broken after the answer started: the server aborts the connection, and nothing of the answer is stored.
            if (request is not null)
            {
                request.Broken = true;
            }

            throw;
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            LogUnexpected(_logger, ex);
            await HandlerEndings.AnswerUnexpectedAsync(context, request).ConfigureAwait(false);
        }
        finally
        {
            try
            {
                // Last, on every path: settle the charge, report the usage, hand the answer to the cache writer.
                if (request is not null)
                {
                    _completion.Complete(request);
                }
            }
            finally
            {
                body?.Dispose();
                entered?.Exit();
            }
        }
    }

    private Task RejectBodyAsync(HttpContext context, BodyReadStatus status) => status switch
    {
        BodyReadStatus.UnsupportedMediaType => RejectAsync(context, StatusCodes.Status415UnsupportedMediaType,
            "The request body must be JSON, sent with 'Content-Type: application/json'.", OpenAiErrors.InvalidRequest, "unsupported_media_type"),
        BodyReadStatus.TooLarge => RejectAsync(context, StatusCodes.Status413PayloadTooLarge,
            $"The request body is larger than the gateway's limit of {_bodyReader.MaxBytes.ToString(CultureInfo.InvariantCulture)} bytes.",
            OpenAiErrors.InvalidRequest, "request_too_large"),
        BodyReadStatus.TimedOut => RejectTimedOutAsync(context),
        BodyReadStatus.Empty => RejectAsync(context, StatusCodes.Status400BadRequest,
            "The request body is empty; send a JSON object.", OpenAiErrors.InvalidRequest, "invalid_json"),
        _ => RejectAsync(context, StatusCodes.Status400BadRequest,
            "The request body could not be read.", OpenAiErrors.InvalidRequest, "invalid_body"),
    };

    private Task RejectAsync(HttpContext context, int status, string message, string type, string code, string? param = null)
    {
        _telemetry.Rejections.Add(1, new KeyValuePair<string, object?>("error.type", code));
        LogRejected(_logger, status, code);
        return OpenAiErrors.WriteAsync(context, status, message, type, code, param);
    }

    /// <summary>
    /// How many <c>api-version</c> parameters the query has (names compared as <c>Request.Query</c> does: decoded,
    /// ignoring case), and the first one's value, read without building the query dictionary.
    /// </summary>
    internal static (int Count, string? Value) ApiVersion(QueryString query)
    {
        var count = 0;
        string? first = null;
        foreach (var pair in new Microsoft.AspNetCore.WebUtilities.QueryStringEnumerable(query.Value))
        {
            var name = pair.EncodedName.Span.ContainsAny('%', '+') ? pair.DecodeName().Span : pair.EncodedName.Span;
            if (name.Equals("api-version", StringComparison.OrdinalIgnoreCase))
            {
                count++;
                first ??= Intern(pair.DecodeValue().Span);
            }
        }

        return (count, first);
    }

    // Clients send one api-version, or a few: the last one seen is kept and reused rather than copied per request.
    private static string? s_lastApiVersion;

    private static string Intern(ReadOnlySpan<char> value)
    {
        var last = Volatile.Read(ref s_lastApiVersion);
        if (last is not null && value.SequenceEqual(last))
        {
            return last;
        }

        var copy = value.ToString();
        Volatile.Write(ref s_lastApiVersion, copy);
        return copy;
    }

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "...";

    [LoggerMessage(EventId = 1001, Level = LogLevel.Debug, Message = "Rejected a request with {Status} {Code}")]
    private static partial void LogRejected(ILogger logger, int status, string code);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Error, Message = "Unexpected failure while handling a request")]
    private static partial void LogUnexpected(ILogger logger, Exception exception);
}
