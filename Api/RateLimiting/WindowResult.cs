namespace AspireAoai.Api.RateLimiting;

/// <summary>Outcome of a local window check.</summary>
internal readonly record struct WindowResult(bool Admitted, bool TooLarge, long RetryAfterMs, long Requests, long Tokens, long Bucket);
