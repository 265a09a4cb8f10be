using System.Diagnostics;
using AspireAoai.Api.Auth;
using AspireAoai.Api.Forwarding;
using AspireAoai.Api.Parsing;
using AspireAoai.Api.RateLimiting;
using AspireAoai.Api.Responses;
using AspireAoai.Api.Routing;
using AspireAoai.Api.Telemetry;
using AspireAoai.Api.Usage;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Apis;

/// <summary>
/// The requests about a stored response: get (also its replay as a stream), delete, cancel, and its input items. Each
/// is authenticated, held to the client's limits (a request in RPM, no tokens) and allowed models, and sent only to the
/// deployment that made the response, for the client that made it: an id made elsewhere or by another client is 404,
/// a deployment that is cooling or does not answer is 503 with retry-after. None carries tokens: Azure bills no
/// retrieval, so a replayed stream costs nothing either. Each is one usage event (zero tokens, its status), made by
/// <see cref="RequestCompletion"/> from what the follow-up recorded on its request.
/// </summary>
public sealed partial class ResponsesFollowUpHandler
{
    private readonly ClientAuthentication _auth;
    private readonly ClientGates _gates;
    private readonly DeploymentCatalog _catalog;
    private readonly IRequestAdmission _admission;
    private readonly ResponseOwners _owners;
    private readonly CooldownPolicy _cooldown;
    private readonly RequestCompletion _completion;
    private readonly GatewayTelemetry _telemetry;
    private readonly TimeProvider _time;
    private readonly HttpMessageInvoker _client;
    private readonly TimeSpan _timeout;
    private readonly ILogger<ResponsesFollowUpHandler> _logger;

    public ResponsesFollowUpHandler(ClientAuthentication auth, ClientGates gates, DeploymentCatalog catalog, IRequestAdmission admission,
        ResponseOwners owners, CooldownPolicy cooldown, RequestCompletion completion, GatewayTelemetry telemetry, TimeProvider time,
        IHttpMessageHandlerFactory handlers, IOptions<ResponsesOptions> options, ILogger<ResponsesFollowUpHandler> logger)
    {
        _auth = auth;
        _gates = gates;
        _catalog = catalog;
        _admission = admission;
        _owners = owners;
        _cooldown = cooldown;
        _completion = completion;
        _telemetry = telemetry;
        _time = time;
        _client = new HttpMessageInvoker(handlers.CreateHandler(UpstreamForwarder.ClientName), disposeHandler: false);
        _timeout = options.Value.FollowUpTimeout;
        _logger = logger;
    }

    public async Task HandleAsync(HttpContext context, FollowUpKind kind, bool dated)
    {
        var start = _time.GetTimestamp();
        var requestId = context.TraceIdentifier; // assigned with its response headers by UseRequestIds
        if (dated && !await ResponsesApiVersion.CheckAsync(context).ConfigureAwait(false))
        {
            return;
        }

        var authenticated = await _auth.AuthenticateAsync(context).ConfigureAwait(false);
        if (authenticated.Client is not { } client)
        {
            await OpenAiErrors.WriteRefusalAsync(context, authenticated).ConfigureAwait(false);
            return;
        }

        var gate = _gates.For(client.Id);
        if (_gates.Enter(gate) is { } refusal)
        {
            context.Response.Headers[CostHeaders.Cost] = "0";
            await OpenAiErrors.WriteAsync(context, refusal.StatusCode, refusal.Message, refusal.Type, refusal.Code, retryAfter: _gates.RetryAfter(refusal))
                .ConfigureAwait(false);
            return;
        }

        GatewayRequest? request = null;
        try
        {
            var id = context.Request.RouteValues["id"] as string;
            if (string.IsNullOrEmpty(id) || await _owners.FindAsync(context, id, client.Id, "response_id").ConfigureAwait(false) is not { } deployment)
            {
                if (string.IsNullOrEmpty(id))
                {
                    await OpenAiErrors.WriteAsync(context, StatusCodes.Status404NotFound, "Resource not found.", OpenAiErrors.InvalidRequest, "404").ConfigureAwait(false);
                }

                return;
            }

            _catalog.TryGetPool(deployment.Model, out var pool);
            if (!client.MayUse(pool.Model, pool.Model))
            {
                await OpenAiErrors.WriteAsync(context, StatusCodes.Status403Forbidden, $"This key may not use the model '{pool.Model}'.",
                    OpenAiErrors.Permission, "model_not_allowed").ConfigureAwait(false);
                return;
            }

            var stream = kind == FollowUpKind.Get && IsTrue(context.Request.Query["stream"]);
            request = new GatewayRequest(context, client, OperationKind.ResponsesFollowUp, ApiStyle.OpenAiV1, pool.Model, pool,
                ReadOnlyMemory<byte>.Empty, new ParsedRequest { Model = pool.Model, Stream = stream }, null, start);
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

            if (!await _owners.CheckAvailableAsync(context, deployment).ConfigureAwait(false))
            {
                request.Status = StatusCodes.Status503ServiceUnavailable;
                return;
            }

            var status = await ForwardAsync(context, kind, id, deployment).ConfigureAwait(false);
            request.Status = status;
            request.Deployment = deployment;
            request.Attempts = 1;
            if ((kind == FollowUpKind.Delete && status == StatusCodes.Status200OK) || status == StatusCodes.Status404NotFound)
            {
                await _owners.ForgetAsync(id).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            HandlerEndings.ClientGone(request);
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
                if (request is not null)
                {
                    _completion.Complete(request);
                }
            }
            finally
            {
                gate.Exit();
            }
        }
    }

    /// <summary>Sends the follow-up to <paramref name="deployment"/> and relays its answer; returns the status the client got.</summary>
    private async Task<int> ForwardAsync(HttpContext context, FollowUpKind kind, string id, Deployment deployment)
    {
        var method = kind.Method();
        var uri = FollowUps.UpstreamUri(deployment, id, kind, context.Request.QueryString);
        using var activity = GatewayTelemetry.ActivitySource.StartActivity(method.Method + " responses", ActivityKind.Client);
        activity?.SetTag("openai.api.type", "responses");
        activity?.SetTag("http.request.method", method.Method);
        activity?.SetTag("server.address", deployment.ServerAddress);
        activity?.SetTag("aoai.deployment", deployment.Name);

        var aborted = context.RequestAborted;
        using var timeout = new CancellationTokenSource(_timeout, _time);
        using var link = CancellationTokenSource.CreateLinkedTokenSource(aborted, timeout.Token);
        HttpResponseMessage? response = null;
        try
        {
            using var message = new HttpRequestMessage(method, uri);
            deployment.Protocol.Apply(message);
            if (kind == FollowUpKind.Cancel)
            {
                message.Content = new ByteArrayContent([]);
            }

            await deployment.Auth.ApplyAsync(message, link.Token).ConfigureAwait(false);
            deployment.RecordAttempt();
            response = await _client.SendAsync(message, link.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            activity?.SetTag("http.response.status_code", status);
            if (status is 429 or >= 500)
            {
                var now = _time.GetUtcNow();
                var cooldown = _cooldown.FromResponse(response.Headers, now);
                deployment.RecordFailure("status_" + status, status, now);
                deployment.CoolDown(now + cooldown);
                await ResponseOwners.WriteUnavailableAsync(context, deployment, cooldown).ConfigureAwait(false);
                return StatusCodes.Status503ServiceUnavailable;
            }

            deployment.RecordStatus(status);
            var target = context.Response;
            target.StatusCode = status;
            HeaderCopier.CopyResponseHeaders(response, target);
            target.Headers["x-aoai-deployment"] = deployment.NameHeader;
            target.Headers[CostHeaders.Cost] = "0";
            var isSse = string.Equals(response.Content.Headers.ContentType?.MediaType, "text/event-stream", StringComparison.OrdinalIgnoreCase);
            if (isSse)
            {
                context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
                target.ContentLength = null;
            }

            // A replayed stream is relayed as it arrives, as a created one is.
            var body = await response.Content.ReadAsStreamAsync(aborted).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                await target.StartAsync(aborted).ConfigureAwait(false);
                await body.CopyToAsync(target.Body, aborted).ConfigureAwait(false);
            }

            return status;
        }
        catch (Exception ex) when (!aborted.IsCancellationRequested && !context.Response.HasStarted
            && ex is HttpRequestException or OperationCanceledException or IOException)
        {
            var now = _time.GetUtcNow();
            deployment.RecordFailure(ex is OperationCanceledException ? "timeout" : "connection_error", 0, now);
            deployment.CoolDown(now + _cooldown.Default);
            activity?.SetTag("error.type", ex is OperationCanceledException ? "timeout" : "connection_error");
            LogFollowUpFailed(_logger, deployment.Name, ex);
            await ResponseOwners.WriteUnavailableAsync(context, deployment, _cooldown.Default).ConfigureAwait(false);
            return StatusCodes.Status503ServiceUnavailable;
        }
        catch (Exception ex) when (!aborted.IsCancellationRequested && context.Response.HasStarted
            && ex is HttpRequestException or OperationCanceledException or IOException)
        {
            // Bytes already reached the client: abort so it sees a broken response, not a complete-looking one.
            LogFollowUpFailed(_logger, deployment.Name, ex);
            context.Abort();
            return UpstreamForwarder.BrokenResponse;
        }
        catch (Exception ex) when (aborted.IsCancellationRequested && ex is HttpRequestException or OperationCanceledException or IOException)
        {
            // The client left (a replayed stream it stopped reading, say): nobody is left to answer.
            return UpstreamForwarder.ClientClosedRequest;
        }
        finally
        {
            response?.Dispose();
        }
    }

    private static bool IsTrue(Microsoft.Extensions.Primitives.StringValues value)
        => value.Count > 0 && string.Equals(value[0], "true", StringComparison.OrdinalIgnoreCase);

    [LoggerMessage(EventId = 1604, Level = LogLevel.Error, Message = "Unexpected failure while handling a follow-up on a stored response")]
    private static partial void LogUnexpected(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 1603, Level = LogLevel.Warning, Message = "A follow-up on a stored response failed at deployment {Deployment}")]
    private static partial void LogFollowUpFailed(ILogger logger, string deployment, Exception exception);
}
