namespace AspireAoai.Api.RateLimiting;

/// <summary>Rate-limit defaults and Redis behaviour (section <c>Gateway:RateLimits</c>).</summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "Gateway:RateLimits";

    /// <summary>Turns admission control off entirely (every request admitted, no Redis traffic).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Requests per minute for a client without its own <c>Rpm</c>; null = unlimited.</summary>
    public int? Rpm { get; set; }

    /// <summary>Tokens per minute for a client without its own <c>Tpm</c>; null = unlimited.</summary>
    public int? Tpm { get; set; }

    /// <summary>Tokens per UTC day for a client without its own <c>TokensPerDay</c>; null = none.</summary>
    public long? TokensPerDay { get; set; }

    /// <summary>Tokens per UTC calendar month for a client without its own <c>TokensPerMonth</c>; null = none.</summary>
    public long? TokensPerMonth { get; set; }

    /// <summary>Capacity TPM of a deployment without <c>Gateway:Deployments:{i}:CapacityTpm</c>; null = unlimited.</summary>
    public int? DeploymentTpm { get; set; }

    /// <summary>Capacity RPM of a deployment without <c>Gateway:Deployments:{i}:CapacityRpm</c>; null = unlimited.</summary>
    public int? DeploymentRpm { get; set; }

    /// <summary>
    /// Share of a deployment's capacity the gateway uses (0-1]: leaves room for the estimate error and for the
    /// requests in flight on other replicas, so the gateway moves on before Azure answers 429.
    /// </summary>
    public double DeploymentHeadroom { get; set; } = 0.9;

    /// <summary>Completion tokens charged up front when a chat request sets neither <c>max_tokens</c> nor <c>max_completion_tokens</c>.</summary>
    public int DefaultCompletionTokens { get; set; } = 1000;

    /// <summary>
    /// Width of one sub-bucket of the 60 s sliding window, in milliseconds (divides 60000). Smaller buckets
    /// waste less of the limit (a window spans 60 s plus one bucket) at a little more Redis work.
    /// </summary>
    public int BucketMilliseconds { get; set; } = 1000;

    /// <summary>Redis-unavailable policy of clients without a budget (a client's own <c>FailureMode</c> wins).</summary>
    public RedisFailureMode FailureMode { get; set; } = RedisFailureMode.FailOpen;

    /// <summary>
    /// Redis-unavailable policy of clients with a budget (a client's own <c>FailureMode</c> wins). Closed by default:
    /// the spend counters live only in Redis, so admitting from the local fallback would let spend pass its budget.
    /// </summary>
    public RedisFailureMode BudgetFailureMode { get; set; } = RedisFailureMode.FailClosed;

    /// <summary>
    /// Fail-open only: how many replicas share the limits, so each one enforces 1/N of every limit locally while
    /// Redis is away. 1 keeps the full limit per replica.
    /// </summary>
    public int FallbackReplicas { get; set; } = 1;

    /// <summary>Longest an admission waits for Redis before applying <see cref="FailureMode"/>.</summary>
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>After a Redis failure, how long admissions skip Redis before one request probes it again.</summary>
    public TimeSpan RedisRetryInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Connection name of the Redis client (<c>ConnectionStrings:{name}</c>).</summary>
    public string ConnectionName { get; set; } = "redis";

    /// <summary>
    /// Leases: a replica that admitted at least <see cref="LeaseMinRequests"/> requests of a client in the last bucket
    /// asks, in its next admission, to reserve a bucket's worth more (at most <see cref="LeaseMaxShare"/> of each limit),
    /// and Redis grants it only while the window stays at most half full with it. The replica then admits that client's
    /// requests from the reservation, without a round trip, until it is used up or its bucket ends; what is left is
    /// refunded. Limits still hold across replicas (a reservation counts as used); near a limit every admission is
    /// exact again. Clients with a budget never lease. Off: every admission is one round trip.
    /// </summary>
    public bool Leases { get; set; } = true;

    /// <summary>Admissions of one client in one bucket, by this replica, before it asks for a lease.</summary>
    public int LeaseMinRequests { get; set; } = 16;

    /// <summary>Largest share of each of a client's limits one lease may reserve.</summary>
    public double LeaseMaxShare { get; set; } = 0.1;

    /// <summary>
    /// Requests one client may have in flight at once on one replica (from authentication to the end of the response,
    /// streams included), for a client without its own <c>Gateway:Clients:{i}:MaxConcurrentRequests</c>; 0 = no cap.
    /// Checked before the body is read, whether or not rate limiting is enabled; more get 429 <c>too_many_concurrent_requests</c>.
    /// </summary>
    public int MaxConcurrentRequests { get; set; } = 128;
}
