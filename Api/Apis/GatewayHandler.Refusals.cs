using AspireAoai.Api.RateLimiting;
using AspireAoai.Api.Usage;

namespace AspireAoai.Api.Apis;

/// <summary>The answers for refusals before the body is read (concurrency cap, remembered refusals) and for slow bodies.</summary>
public sealed partial class GatewayHandler
{
    /// <summary>
    /// A refusal before the body was read (the caller accounts a remembered one), counted in the rejections metric.
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
