namespace AspireAoai.Api.RateLimiting;

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
    /// True when the refusal holds for any next request of the client until <see cref="RetryAfter"/> (its RPM window is
    /// full, or a budget period is spent outright): the gateway refuses those before reading their bodies. False when
    /// a smaller or cheaper request might fit (TPM, token quotas, a worst case above what is left of a budget) and for
    /// refusals about the pool or the limit store (too large, no deployment capacity, Redis unavailable).
    /// </summary>
    public bool RefusesClient { get; init; }

    public static AdmissionDecision Reject(int statusCode, string message, string code, TimeSpan? retryAfter = null)
        => new(false, statusCode, message, code, retryAfter);
}
