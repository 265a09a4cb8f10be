using System.Diagnostics;
using AspireAoai.Api.Answers;
using AspireAoai.Api.Parsing;
using AspireAoai.Api.RateLimiting;
using AspireAoai.Api.Routing;
using AspireAoai.Api.Usage;
using Microsoft.AspNetCore.Http.Features;

namespace AspireAoai.Api.Forwarding;

/// <summary>
/// Relaying a stream, or an answer too large (or of unknown length) to hold, chunk by chunk as it arrives; a stream
/// whose usage chunk the gateway asked for goes through <see cref="UsageChunkFilter"/>.
/// </summary>
public sealed partial class UpstreamForwarder
{
    /// <summary>
    /// A stream, or an answer too large (or of unknown length) to hold, relayed chunk by chunk. A stream's cost goes
    /// in a trailer when the connection carries trailers.
    /// </summary>
    private async Task<AttemptOutcome> RelayStreamingAsync(GatewayRequest request, Deployment deployment, int status, ResponseShape shape,
        HttpResponseMessage response, Stream body, byte[] buffer, int first, CancellationToken readToken, long started, long firstByteTicks,
        Activity? activity, RequestState state)
    {
        var context = request.Http;
        var aborted = context.RequestAborted;
        var clientResponse = context.Response;
        clientResponse.StatusCode = status;
        HeaderCopier.CopyResponseHeaders(response, clientResponse);
        clientResponse.Headers["x-aoai-deployment"] = deployment.NameHeader;
        var hide = shape.IsSse && state.HideUsageChunk;
        var trailer = shape.IsSse && clientResponse.SupportsTrailers();
        if (shape.IsSse)
        {
            context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            // Hiding an event changes the length; trailers need chunked encoding anyway.
            clientResponse.ContentLength = null;
            if (trailer)
            {
                clientResponse.DeclareTrailer(CostHeaders.Cost);
            }
        }

        state.Deployment = deployment;
        using var observer = ResponseObserver.Rent();
        var countOutput = shape.IsSse && request.Operation.GeneratesOutput() && status < 400;
        if (countOutput)
        {
            // Counted for every stream: whether its usage chunk will arrive is known only at its end.
            observer.CountOutput(TokenEstimator.ForModel(request.Pool.Model));
        }

        RelayEnd end;
        Exception? failure = null;
        try
        {
            if (hide)
            {
                await clientResponse.StartAsync(aborted).ConfigureAwait(false);
                RecordFirstByte(request, deployment, started, firstByteTicks, state);
                await UsageChunkFilter.RelayAsync(clientResponse, body, buffer, first, observer, aborted).ConfigureAwait(false);
                end = RelayEnd.Completed;
            }
            else
            {
                end = await RelayRawAsync(request, deployment, shape, body, buffer, first, observer, readToken, started, firstByteTicks, state)
                    .ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException && aborted.IsCancellationRequested)
        {
            end = RelayEnd.ClientGone;
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException or OperationCanceledException)
        {
            end = RelayEnd.Broken;
            failure = ex;
        }

        state.Capture(observer);
        if (countOutput && !state.UsageKnown)
        {
            // No usage chunk: an old api-version, a client that left, an upstream that broke off. The deployment
            // billed the prompt and what it generated, so that is what the request is charged, marked as estimated.
            EstimateUsage(request, observer, state);
        }

        var duration = _time.GetElapsedTime(started);
        switch (end)
        {
            case RelayEnd.Completed:
                if (trailer && (state.UsageKnown || state.Estimated))
                {
                    clientResponse.AppendTrailer(CostHeaders.Cost, CostHeaders.Format(Price(request, state)));
                }

                Complete(request, deployment, status, observer, activity, duration, state);
                return AttemptOutcome.Completed;

            case RelayEnd.ClientGone:
                ForwardingLog.ClientGone(_logger, request.Client.Id, deployment.Name);
                activity?.SetTag("error.type", "client_disconnected");
                Complete(request, deployment, status, observer, activity, duration, state);
                state.Status = ClientClosedRequest;
                return AttemptOutcome.ClientGone;

            default:
                // Bytes already reached the client: no failover is possible. Abort so the client sees a broken
                // response, not a truncated one that looks complete.
                deployment.RecordFailure("broken_response", status, _time.GetUtcNow());
                activity?.SetTag("error.type", "broken_response");
                activity?.SetStatus(ActivityStatusCode.Error);
                ForwardingLog.BrokenMidResponse(_logger, deployment.Name, request.Client.Id, failure!);
                context.Abort();
                state.Status = BrokenResponse;
                return AttemptOutcome.Broken;
        }
    }

    /// <summary>
    /// Relays bytes as they come. When a non-streamed answer's client goes away, the rest is still read (with the
    /// attempt's remaining time, <paramref name="readToken"/>) and observed, so its usage is exact; a stream is read
    /// with the client's token instead, so its leaving stops the upstream generation.
    /// </summary>
    private async Task<RelayEnd> RelayRawAsync(GatewayRequest request, Deployment deployment, ResponseShape shape, Stream body, byte[] buffer,
        int first, ResponseObserver observer, CancellationToken readToken, long started, long firstByteTicks, RequestState state)
    {
        var clientResponse = request.Http.Response;
        var aborted = request.Http.RequestAborted;
        var clientPresent = true;
        if (first == 0)
        {
            await clientResponse.StartAsync(aborted).ConfigureAwait(false);
        }

        var read = first;
        var firstWrite = true;
        while (read > 0)
        {
            Observe(observer, shape, buffer.AsSpan(0, read));
            if (request.ResponseOwners is not null && !state.OwnerRecorded)
            {
                await RecordResponseOwnerAsync(request, deployment, observer, state).ConfigureAwait(false);
            }

            if (clientPresent)
            {
                try
                {
                    await clientResponse.Body.WriteAsync(buffer.AsMemory(0, read), aborted).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is OperationCanceledException or IOException && aborted.IsCancellationRequested && !shape.IsSse)
                {
                    clientPresent = false;
                }
            }

            if (firstWrite)
            {
                firstWrite = false;
                RecordFirstByte(request, deployment, started, firstByteTicks, state);
            }

            try
            {
                read = await body.ReadAsync(buffer, readToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!clientPresent)
            {
                // The remaining attempt time ran out while draining for a client that left: report what was seen.
                return RelayEnd.ClientGone;
            }
        }

        if (first == 0)
        {
            RecordFirstByte(request, deployment, started, firstByteTicks, state);
        }

        return clientPresent && !aborted.IsCancellationRequested ? RelayEnd.Completed : RelayEnd.ClientGone;
    }

    private static void Observe(ResponseObserver observer, ResponseShape shape, ReadOnlySpan<byte> chunk)
    {
        if (shape.IsSse)
        {
            observer.FeedSse(chunk);
        }
        else if (shape.IsJson)
        {
            observer.FeedJson(chunk);
        }
    }

    /// <summary>
    /// The usage of a stream that ended without a usage chunk: the prompt counted as admission counts it, and the
    /// completion tokens of the text the upstream sent.
    /// </summary>
    private static void EstimateUsage(GatewayRequest request, ResponseObserver observer, RequestState state)
    {
        var prompt = TokenEstimator.CountPrompt(request.Operation, TokenEstimator.ForModel(request.Pool.Model), request.Body.Span);
        state.InputTokens = (int)Math.Min(int.MaxValue, prompt);
        state.CachedInputTokens = 0;
        state.AudioInputTokens = state.AudioOutputTokens = state.ReasoningTokens = 0;
        state.OutputTokens = (int)Math.Min(int.MaxValue, observer.CountedOutputTokens());
        state.Estimated = true;
    }

    private enum RelayEnd
    {
        Completed,
        ClientGone,
        Broken,
    }
}
