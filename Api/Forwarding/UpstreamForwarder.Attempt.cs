using System.Buffers;
using System.Diagnostics;
using AspireAoai.Api.Parsing;
using AspireAoai.Api.Routing;
using AspireAoai.Api.Telemetry;
using Azure.Identity;

namespace AspireAoai.Api.Forwarding;

/// <summary>
/// One attempt on one deployment: the upstream request is built (this deployment's URI, body and credential) and sent,
/// and its answer classified. A retryable status, timeout or connection failure before the first body byte cools the
/// deployment (<see cref="CooldownPolicy"/>, honouring its retry-after) and lets the failover loop try the next one;
/// anything else is relayed.
/// </summary>
public sealed partial class UpstreamForwarder
{
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

            using var message = CreateMessage(request, deployment, upstreamBody);
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
        catch (OperationCanceledException ex) when (ex.InnerException is TimeoutException && !token.IsCancellationRequested
            && deployment.AnsweredSince(_time.GetUtcNow() - _time.GetElapsedTime(started)))
        {
            // The handler's connect timeout (not the attempt's: its token is not cancelled) while the deployment answered
            // other requests: a full accept queue or a congested path, not a deployment that is down.
            state.UpstreamWaitTicks += _time.GetTimestamp() - started;
            FailUnconnected(request, deployment, attempt, activity);
            return AttemptOutcome.Unconnected;
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

    /// <summary>The upstream request of one attempt: this deployment's URI, the body, the client's request id passed on.</summary>
    private static HttpRequestMessage CreateMessage(GatewayRequest request, Deployment deployment, ReadOnlyMemory<byte> body)
    {
        var message = new HttpRequestMessage(HttpMethod.Post, deployment.GetUri(request.Operation, request.ApiVersion))
        {
            Content = new ReadOnlyMemoryContent(body),
        };
        deployment.Protocol.Apply(message);
        message.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        if (request.Http.Request.Headers.TryGetValue("x-ms-client-request-id", out var clientRequestId))
        {
            message.Headers.TryAddWithoutValidation("x-ms-client-request-id", (IEnumerable<string?>)clientRequestId);
        }

        return message;
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

    private void RecordUpstreamStatus(Deployment deployment, int status)
    {
        deployment.RecordStatus(status);
        deployment.RecordAnswer(_time.GetUtcNow());
        deployment.Timeouts.Clear();
        _telemetry.UpstreamResponses.Add(1, new("aoai.deployment", deployment.Name), new("http.response.status_code", StatusName(status)));
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
}
