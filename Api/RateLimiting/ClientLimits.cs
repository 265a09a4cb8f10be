using System.Globalization;
using AspireAoai.Api.Budgets;
using AspireAoai.Api.Routing;
using StackExchange.Redis;

namespace AspireAoai.Api.RateLimiting;

/// <summary>The limits of one client, resolved once, with its Redis key and its fail-open window.</summary>
public sealed class ClientLimits
{
    internal ClientLimits(string id, int rpm, int tpm, long tokensPerDay, long tokensPerMonth, int bucketMs, int fallbackReplicas,
        ClientBudget? budget = null, RedisFailureMode? failureMode = null)
    {
        Budget = budget;
        FailureMode = failureMode;
        Id = id;
        Key = new RedisKey("aoai:rl:client:" + id);
        Rpm = rpm;
        Tpm = tpm;
        TokensPerDay = tokensPerDay;
        TokensPerMonth = tokensPerMonth;
        Local = new LocalSlidingWindow(bucketMs, Share(rpm, fallbackReplicas), Share(tpm, fallbackReplicas));
        Meter = new LeaseMeter(bucketMs);
        RpmHeader = rpm.ToString(CultureInfo.InvariantCulture);
        TpmHeader = tpm.ToString(CultureInfo.InvariantCulture);
        LocalRpmHeader = Local.Rpm.ToString(CultureInfo.InvariantCulture);
        LocalTpmHeader = Local.Tpm.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary><see cref="Rpm"/> as a header value, formatted once.</summary>
    internal string RpmHeader { get; }

    /// <summary><see cref="Tpm"/> as a header value, formatted once.</summary>
    internal string TpmHeader { get; }

    /// <summary>The local share of <see cref="Rpm"/> as a header value.</summary>
    internal string LocalRpmHeader { get; }

    /// <summary>The local share of <see cref="Tpm"/> as a header value.</summary>
    internal string LocalTpmHeader { get; }

    public string Id { get; }

    /// <summary><c>aoai:rl:client:{id}</c>.</summary>
    public RedisKey Key { get; }

    /// <summary>Requests per minute; 0 = none.</summary>
    public int Rpm { get; }

    /// <summary>Tokens per minute; 0 = none.</summary>
    public int Tpm { get; }

    /// <summary>Tokens per UTC day; 0 = none.</summary>
    public long TokensPerDay { get; }

    /// <summary>Tokens per UTC month; 0 = none.</summary>
    public long TokensPerMonth { get; }

    /// <summary>
    /// What admission does for this client while Redis cannot answer: a client with a budget fails closed unless
    /// configured otherwise, because the local fallback cannot see its spend. Null: <c>Gateway:RateLimits:FailureMode</c>.
    /// </summary>
    public RedisFailureMode? FailureMode { get; }

    /// <summary>The client's spend budget, checked in the same admission call; null = none (the spend is never read).</summary>
    public ClientBudget? Budget { get; }

    /// <summary>True when some limit counts tokens, so a charge is worth reconciling.</summary>
    public bool HasTokenLimits => Tpm > 0 || TokensPerDay > 0 || TokensPerMonth > 0;

    /// <summary>True when admission must ask Redis: some rate limit, quota or budget.</summary>
    public bool HasLimits => Rpm > 0 || Tpm > 0 || TokensPerDay > 0 || TokensPerMonth > 0 || Budget is not null;

    /// <summary>This replica's share of the limits, used while Redis is unavailable.</summary>
    internal LocalSlidingWindow Local { get; }

    /// <summary>This replica's admissions of the client per bucket: the size of the next lease.</summary>
    internal LeaseMeter Meter { get; }

    /// <summary>This replica's current lease of the client's limits, if any.</summary>
    internal ClientLease? Lease => Volatile.Read(ref LeaseSlot);

    /// <summary>Where <see cref="Lease"/> lives, for the limiter's interlocked swaps.</summary>
    internal ClientLease? LeaseSlot;

    /// <summary>Completed when the admission now asking Redis for this client's next lease is done; null when none is.</summary>
    internal TaskCompletionSource? RenewalSlot;

    /// <summary>The local bucket in which Redis last refused this client a lease (none is asked for again in it).</summary>
    internal long LeaseRefusedBucket = -1;

    /// <summary>
    /// 1 while the refund of an ended lease's unused part may still be in the adjustment queue: Redis's window counts that
    /// part as used until the refund is written, so the client's next admission writes the queue first.
    /// </summary>
    internal int RefundQueued;

    private static int Share(int limit, int replicas) => limit == 0 ? 0 : Math.Max(1, limit / replicas);
}
