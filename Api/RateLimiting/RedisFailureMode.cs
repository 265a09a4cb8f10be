namespace AspireAoai.Api.RateLimiting;

/// <summary>What the gateway does when Redis cannot answer an admission in time.</summary>
public enum RedisFailureMode
{
    /// <summary>Admit against a per-replica in-memory limiter (limits divided by <see cref="RateLimitOptions.FallbackReplicas"/>).</summary>
    FailOpen,

    /// <summary>Refuse with 503 until Redis answers again.</summary>
    FailClosed,
}
