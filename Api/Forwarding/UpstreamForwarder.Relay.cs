using System.Diagnostics;
using AspireAoai.Api.Answers;
using AspireAoai.Api.Parsing;
using AspireAoai.Api.RateLimiting;
using AspireAoai.Api.Routing;
using AspireAoai.Api.Usage;
using Microsoft.AspNetCore.Http.Features;

namespace AspireAoai.Api.Forwarding;

/// <summary>Relaying an answer to the client once an attempt has produced it.</summary>
public sealed partial class UpstreamForwarder
{
    /// <summary>
    /// An SSE event is held back until it is complete only while it could be the usage chunk (a few hundred bytes);
    /// a larger event is relayed as it arrives.
    /// </summary>
    private const int HoldLimit = 8 * 1024;

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
            end = hide
                ? await RelayHidingUsageChunkAsync(request, deployment, body, buffer, first, observer, started, firstByteTicks, state).ConfigureAwait(false)
                : await RelayRawAsync(request, deployment, shape, body, buffer, first, observer, readToken, started, firstByteTicks, state).ConfigureAwait(false);
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

    /// <summary>
    /// Relays a stream whose usage chunk the gateway asked for on the client's behalf, without that chunk: each SSE
    /// event is sent as soon as it is complete (an upstream flushes whole events, so this adds no delay), except the
    /// event the observer recognises as the usage chunk. Partial events wait at the start of the buffer for their
    /// end; one that outgrows <see cref="HoldLimit"/> cannot be the usage chunk and is passed through as it comes.
    /// </summary>
    private async Task<RelayEnd> RelayHidingUsageChunkAsync(GatewayRequest request, Deployment deployment, Stream body, byte[] buffer, int first,
        ResponseObserver observer, long started, long firstByteTicks, RequestState state)
    {
        var clientResponse = request.Http.Response;
        var aborted = request.Http.RequestAborted;
        await clientResponse.StartAsync(aborted).ConfigureAwait(false);
        RecordFirstByte(request, deployment, started, firstByteTicks, state);

        var scanner = default(SseEventScanner);
        var pending = 0;
        var passThrough = false;
        var read = first;
        while (read > 0)
        {
            var length = pending + read;
            var writeFrom = 0;
            var eventStart = 0;
            var fed = pending;
            var position = pending; // the held bytes were scanned (and observed) in the previous round
            while (true)
            {
                var end = scanner.NextEventEnd(buffer.AsSpan(position, length - position));
                if (end < 0)
                {
                    break;
                }

                var eventEnd = position + end;
                observer.FeedSse(buffer.AsSpan(fed, eventEnd - fed));
                fed = eventEnd;
                if (observer.TakeUsageChunk() && !passThrough)
                {
                    if (eventStart > writeFrom)
                    {
                        await clientResponse.Body.WriteAsync(buffer.AsMemory(writeFrom, eventStart - writeFrom), aborted).ConfigureAwait(false);
                    }

                    writeFrom = eventEnd;
                }

                passThrough = false;
                eventStart = position = eventEnd;
            }

            if (fed < length)
            {
                observer.FeedSse(buffer.AsSpan(fed, length - fed));
            }

            var tail = length - eventStart;
            if (passThrough || tail > HoldLimit)
            {
                await clientResponse.Body.WriteAsync(buffer.AsMemory(writeFrom, length - writeFrom), aborted).ConfigureAwait(false);
                passThrough = tail > 0;
                pending = 0;
            }
            else
            {
                if (eventStart > writeFrom)
                {
                    await clientResponse.Body.WriteAsync(buffer.AsMemory(writeFrom, eventStart - writeFrom), aborted).ConfigureAwait(false);
                }

                buffer.AsSpan(eventStart, tail).CopyTo(buffer);
                pending = tail;
            }

            read = await body.ReadAsync(buffer.AsMemory(pending), aborted).ConfigureAwait(false);
        }

        if (pending > 0)
        {
            // An unterminated last event: not an event by the SSE rules, relayed as it was.
            await clientResponse.Body.WriteAsync(buffer.AsMemory(0, pending), aborted).ConfigureAwait(false);
        }

        return RelayEnd.Completed;
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

    /// <summary>The request's cost so far, priced once per request at one moment (the usage event uses the same moment).</summary>
    private decimal? Price(GatewayRequest request, RequestState state)
    {
        state.PricedAt ??= _time.GetUtcNow();
        return _pricer.Price(request.Pool.Model, state.ResponseModel, state.PricedAt.Value, state.InputTokens, state.CachedInputTokens,
            state.OutputTokens, audioInputTokens: state.AudioInputTokens, audioOutputTokens: state.AudioOutputTokens).Cost;
    }

    private enum RelayEnd
    {
        Completed,
        ClientGone,
        Broken,
    }
}
