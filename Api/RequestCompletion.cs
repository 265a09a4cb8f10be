using AspireAoai.Api.Caching;
using AspireAoai.Api.Usage;

namespace AspireAoai.Api;

/// <summary>
/// The one step after a request has ended, whatever its end (refused, answered from the cache, forwarded, streamed,
/// its client gone, a follow-up on a stored response): the handler calls it once, last, from a <c>finally</c>. It reads
/// what each earlier step recorded on the <see cref="GatewayRequest"/> and, in this order, settles the rate-limit charge
/// (to the real usage, or back to nothing for a failure that used none), builds the request's <see cref="UsageRecord"/>
/// (the only place that does), reports it, and hands the answer a cache MISS copied to the cache writer. Response headers
/// (rate-limit, cost) are not its business: they are written when the response starts.
/// </summary>
/// <remarks>
/// A stream's completion runs after its relay has finished or its client left, so its usage is what the
/// <see cref="Answers.ResponseObserver"/> saw (or the gateway's estimate of it): a client that leaves is still charged.
/// </remarks>
public sealed class RequestCompletion
{
    private readonly IUsageReporter _usage;
    private readonly IResponseCache _cache;
    private readonly TimeProvider _time;

    public RequestCompletion(IUsageReporter usage, IResponseCache cache, TimeProvider time)
    {
        _usage = usage;
        _cache = cache;
        _time = time;
    }

    /// <summary>Settles, accounts and caches <paramref name="request"/>; called once, when its handler is done with it.</summary>
    public void Complete(GatewayRequest request)
    {
        var http = request.Http;
        if (request.Status == 0)
        {
            // No step recorded how it ended: an unexpected failure, answered (500) or broken off by the server.
            request.Status = http.RequestAborted.IsCancellationRequested ? StatusCodes.Status499ClientClosedRequest
                : http.Response.HasStarted ? http.Response.StatusCode
                : StatusCodes.Status500InternalServerError;
        }

        var charge = request.Charge;
        charge?.Settle(request);
        _usage.Report(request, BuildRecord(request));
        // The usage writer releases the budget reservation with the real cost; when it wrote none (usage reporting off,
        // or a queue that was full), it is released here.
        charge?.ReleaseReservation();
        _cache.Complete(request);
    }

    /// <summary>The request's usage record, from what its steps recorded: zero tokens unless an upstream answered.</summary>
    internal UsageRecord BuildRecord(GatewayRequest request)
    {
        var elapsed = _time.GetElapsedTime(request.StartTimestamp).TotalMilliseconds;
        var usage = request.Usage;
        var hit = request.CacheHit;
        var deployment = request.Deployment;
        return new UsageRecord(
            request.Http.TraceIdentifier, request.Client.Id, request.Pool.Model, usage.ResponseModel, deployment?.Name, deployment?.Region,
            usage.InputTokens, usage.CachedInputTokens, usage.OutputTokens, CacheHit: hit is not null, request.Status, request.Parsed.Stream,
            request.Attempts, elapsed,
            // A forwarded request's first byte is the upstream's (none when no answer was relayed); any other answer is written whole.
            request.Forwarded ? request.TimeToFirstByte?.TotalMilliseconds : elapsed,
            request.PricedAt ?? _time.GetUtcNow())
        {
            SavedInputTokens = hit?.InputTokensSaved ?? 0,
            SavedOutputTokens = hit?.OutputTokensSaved ?? 0,
            SavedCachedInputTokens = hit?.CachedInputTokensSaved ?? 0,
            Estimated = usage.Estimated,
            ReasoningTokens = usage.ReasoningTokens,
            AudioInputTokens = usage.AudioInputTokens,
            AudioOutputTokens = usage.AudioOutputTokens,
        };
    }
}
