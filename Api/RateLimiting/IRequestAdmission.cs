namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// Seam for rate limits and budgets: decides, before routing, whether a request may go upstream. The
/// rate-limiting feature replaces the default, which admits everything.
/// </summary>
public interface IRequestAdmission
{
    /// <summary>Admits or rejects <paramref name="request"/>; usually one Redis round trip.</summary>
    ValueTask<AdmissionDecision> AdmitAsync(GatewayRequest request, CancellationToken cancellationToken);
}

/// <summary>An admission verdict; a rejection carries the OpenAI error the client gets.</summary>
public readonly record struct AdmissionDecision(bool Admitted, int StatusCode = 200, string? Message = null, string? Code = null, TimeSpan? RetryAfter = null)
{
    public static AdmissionDecision Admit => new(true);

    /// <summary>
    /// The OpenAI error <c>type</c> of a rejection; null = by status (<c>rate_limit_error</c> for 429,
    /// <c>invalid_request_error</c> otherwise). A spent budget is <c>insufficient_quota</c>, like OpenAI's quota error.
    /// </summary>
    public string? Type { get; init; }

    /// <summary>
    /// True when the refusal is for the client's own limits (requests or tokens per minute, quotas, budget), so it holds
    /// for the client's next requests until <see cref="RetryAfter"/>: the gateway refuses them before reading their bodies.
    /// False for refusals about this request or the pool (too large, no deployment capacity, limit store unavailable).
    /// </summary>
    public bool RefusesClient { get; init; }

    public static AdmissionDecision Reject(int statusCode, string message, string code, TimeSpan? retryAfter = null)
        => new(false, statusCode, message, code, retryAfter);
}

internal sealed class AdmitAll : IRequestAdmission
{
    public ValueTask<AdmissionDecision> AdmitAsync(GatewayRequest request, CancellationToken cancellationToken)
        => ValueTask.FromResult(AdmissionDecision.Admit);
}
