using AspireAoai.Api.Forwarding;

namespace AspireAoai.Api.Apis;

/// <summary>
/// How the proxied handlers (<see cref="GatewayHandler"/>, <see cref="ResponsesFollowUpHandler"/>) end a request that ended
/// in an exception: the status its usage record gets, and the answer a client still waiting receives. Each handler logs
/// with its own event and runs <see cref="RequestCompletion"/> in its <c>finally</c>.
/// </summary>
internal static class HandlerEndings
{
    /// <summary>The client went away: 499 for the usage record, unless the request already has its outcome.</summary>
    public static void ClientGone(GatewayRequest? request)
    {
        if (request is { Status: 0 })
        {
            request.Status = UpstreamForwarder.ClientClosedRequest;
        }
    }

    /// <summary>An unexpected exception before the answer started: a 500 <c>internal_error</c> in the OpenAI shape.</summary>
    public static Task AnswerUnexpectedAsync(HttpContext context, GatewayRequest? request)
    {
        if (request is { Status: 0 })
        {
            request.Status = StatusCodes.Status500InternalServerError;
        }

        return OpenAiErrors.WriteAsync(context, StatusCodes.Status500InternalServerError, "The gateway failed to process the request.",
            OpenAiErrors.Server, "internal_error");
    }
}
