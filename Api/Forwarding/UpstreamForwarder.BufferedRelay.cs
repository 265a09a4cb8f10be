using System.Diagnostics;
using AspireAoai.Api.Answers;
using AspireAoai.Api.Routing;
using AspireAoai.Api.Usage;

namespace AspireAoai.Api.Forwarding;

/// <summary>
/// Relaying a non-streamed JSON answer small enough to hold, and what both relays share: the response's owner
/// (Responses) and the request's price. Streams and answers too large to hold are in <c>UpstreamForwarder.StreamingRelay.cs</c>.
/// </summary>
public sealed partial class UpstreamForwarder
{
    /// <summary>A non-streamed JSON answer read whole: its cost is known before the headers, so it is one of them.</summary>
    private async Task<AttemptOutcome> RelayBufferedAsync(GatewayRequest request, Deployment deployment, int status, HttpResponseMessage response,
        byte[] buffer, int length, long started, long readTicks, Activity? activity, RequestState state)
    {
        var context = request.Http;
        var aborted = context.RequestAborted;
        using var observer = ResponseObserver.Rent();
        observer.FeedJson(buffer.AsSpan(0, length));
        state.Deployment = deployment;
        state.Capture(observer);
        await RecordResponseOwnerAsync(request, deployment, observer, state).ConfigureAwait(false);

        var clientResponse = context.Response;
        clientResponse.StatusCode = status;
        HeaderCopier.CopyResponseHeaders(response, clientResponse);
        clientResponse.Headers["x-aoai-deployment"] = deployment.NameHeader;
        if (state.UsageKnown || status >= 400)
        {
            clientResponse.Headers[CostHeaders.Cost] = CostHeaders.Format(Price(request, state));
        }

        try
        {
            await clientResponse.Body.WriteAsync(buffer.AsMemory(0, length), aborted).ConfigureAwait(false);
            RecordFirstByte(request, deployment, started, readTicks, state);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && aborted.IsCancellationRequested)
        {
            // The answer was complete before the client left: its usage is exact.
            ForwardingLog.ClientGone(_logger, request.Client.Id, deployment.Name);
            activity?.SetTag("error.type", "client_disconnected");
            Complete(request, deployment, status, observer, activity, _time.GetElapsedTime(started), state);
            state.Status = ClientClosedRequest;
            return AttemptOutcome.ClientGone;
        }

        Complete(request, deployment, status, observer, activity, _time.GetElapsedTime(started), state);
        return AttemptOutcome.Completed;
    }

    /// <summary>
    /// Responses: records which deployment made the response as soon as its id is seen (the JSON body's, or the
    /// <c>response.created</c> event's), before the bytes that carry it reach the client, so a follow-up the client
    /// sends on reading the id already finds it.
    /// </summary>
    private static async ValueTask RecordResponseOwnerAsync(GatewayRequest request, Deployment deployment, ResponseObserver observer, RequestState state)
    {
        if (request.ResponseOwners is { } owners && !state.OwnerRecorded && observer.ResponseId is { } id && observer.ErrorCode is null)
        {
            state.OwnerRecorded = true;
            await owners.RememberAsync(request, id, deployment).ConfigureAwait(false);
        }
    }

    /// <summary>The request's cost so far, priced once per request at one moment (the usage event uses the same moment).</summary>
    private decimal? Price(GatewayRequest request, RequestState state)
    {
        state.PricedAt ??= _time.GetUtcNow();
        return _pricer.Price(request.Pool.Model, state.ResponseModel, state.PricedAt.Value, state.InputTokens, state.CachedInputTokens,
            state.OutputTokens, audioInputTokens: state.AudioInputTokens, audioOutputTokens: state.AudioOutputTokens).Cost;
    }
}
