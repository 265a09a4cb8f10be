namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// A refusal decided before the body was read, in the OpenAI error shape; <see cref="UntilMs"/> (Unix ms on this
/// replica's clock) is when a remembered refusal stops holding, 0 for the concurrency cap.
/// </summary>
public sealed record EarlyRefusal(int StatusCode, string Message, string Type, string Code, long UntilMs)
{
    /// <summary>The pool of the refused request that is remembered: the usage event of a later refusal names its model.</summary>
    public Routing.DeploymentPool? Pool { get; init; }

    /// <summary>The model or deployment name that request asked for.</summary>
    public string? RequestedModel { get; init; }
}
