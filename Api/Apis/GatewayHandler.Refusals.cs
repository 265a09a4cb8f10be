using AspireAoai.Api.RateLimiting;
using AspireAoai.Api.Usage;

namespace AspireAoai.Api.Apis;

/// <summary>The answers for refusals before the body is read (concurrency cap, remembered refusals) and for slow bodies.</summary>
public sealed partial class GatewayHandler
{
    /// <summary>
    /// A refusal before the body was read (no model known yet, so no usage event; counted in the rejections metric).
    /// The connection is closed after it: the unread body is not worth draining.
    /// </summary>
    private Task RejectEarlyAsync(HttpContext context, EarlyRefusal refusal)
    {
        _telemetry.Rejections.Add(1, new KeyValuePair<string, object?>("error.type", refusal.Code));
        LogRejected(_logger, refusal.StatusCode, refusal.Code);
        context.Response.Headers[CostHeaders.Cost] = "0";
        CloseAfterResponse(context);
        return OpenAiErrors.WriteAsync(context, refusal.StatusCode, refusal.Message, refusal.Type, refusal.Code, retryAfter: _gates.RetryAfter(refusal));
    }

    /// <summary>
    /// Reports a request no upstream answered: refused here (403, admission) or ended by a failure no later step
    /// reported. Zero tokens; a cache hit whose client left while it was written keeps what the hit saved.
    /// </summary>
    private void ReportUnanswered(GatewayRequest request, int status)
    {
        var context = request.Http;
        var hit = request.CacheHit;
        var elapsed = _time.GetElapsedTime(request.StartTimestamp).TotalMilliseconds;
        _usage.Report(request, new UsageRecord(
            context.TraceIdentifier, request.Client.Id, request.Pool.Model, ResponseModel: null, Deployment: null, Region: null,
            InputTokens: 0, CachedInputTokens: 0, OutputTokens: 0, CacheHit: hit is not null, status, request.Parsed.Stream, Attempts: 0,
            elapsed, elapsed, _time.GetUtcNow())
        {
            SavedInputTokens = hit?.InputTokensSaved ?? 0,
            SavedOutputTokens = hit?.OutputTokensSaved ?? 0,
        });
    }

    /// <summary>408 for a body that came too slowly; the connection is closed, its unread rest not drained.</summary>
    private Task RejectTimedOutAsync(HttpContext context)
    {
        CloseAfterResponse(context);
        return RejectAsync(context, StatusCodes.Status408RequestTimeout, _bodyReader.TimedOutMessage, OpenAiErrors.InvalidRequest, "request_body_timeout");
    }

    /// <summary>HTTP/1.x: ends the connection after this response rather than reading (draining) the unread body first.</summary>
    private static void CloseAfterResponse(HttpContext context)
    {
        if (HttpProtocol.IsHttp11(context.Request.Protocol) || HttpProtocol.IsHttp10(context.Request.Protocol))
        {
            context.Response.Headers.Connection = "close";
        }
    }
}
