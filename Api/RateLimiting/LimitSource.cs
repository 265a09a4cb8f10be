namespace AspireAoai.Api.RateLimiting;

/// <summary>Where an admission decision came from.</summary>
public enum LimitSource
{
    /// <summary>Redis decided, in this request's own round trip.</summary>
    Redis,

    /// <summary>Redis unavailable: this replica's share of the limits decided (fail-open).</summary>
    Local,

    /// <summary>Redis unavailable and the policy is fail-closed.</summary>
    Unavailable,

    /// <summary>Admitted from a lease Redis granted this replica (charged in Redis ahead of use).</summary>
    Lease,
}
