namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// The Lua script behind every admission: evicts expired sub-buckets, checks and charges every limit of the client at
/// once, and reads the pool's deployment windows, in one EVALSHA; and, in its flush mode, writes merged
/// reconciliations and deployment charges.
/// </summary>
/// <remarks>
/// <para>Window: a hash per key holding one field per sub-bucket (<c>t{i}</c> tokens, <c>r{i}</c> requests,
/// i = server milliseconds / bucket width), running totals <c>tt</c> / <c>rt</c> and the oldest bucket that may
/// still hold data <c>w</c>. A request in bucket c is checked against buckets c-W..c (W = 60 s / width): the window
/// spans 60 s plus the current bucket, so no real 60 s interval, wherever it starts, ever holds more than the
/// limit. The cost is at most one bucket of the limit (1/61 with 1 s buckets) and no 2x burst at window edges.
/// Eviction walks from <c>w</c> and is O(1) amortised.</para>
/// <para>Quotas: fields <c>d</c>/<c>dt</c> (UTC day number, tokens) and <c>m</c>/<c>mt</c> (year*12+month, tokens),
/// reset when the day or month changes. Calendar arithmetic is Hinnant's days/civil conversion.</para>
/// <para>Time: <c>redis.call('TIME')</c>, so every replica shares one clock; a non-zero ARGV[2] overrides it (tests).</para>
/// <para>Admit (ARGV[1]='a'): KEYS[1] client, KEYS[2..1+D] deployments (read), then, for a budgeted client, KEYS[2+D]
/// and KEYS[3+D]: its spend counters of the day and the month (picodollars, written by the usage script; their names
/// carry the gateway's UTC date, so the caller's clock picks the period), KEYS[4+D] its reservations, and for a client in a
/// budget group KEYS[5+D..7+D] the group's day and month counters and reservations. ARGV: 2 now override, 3 bucket ms,
/// 4 W, 5 ttl ms, 6 tokens, 7 rpm, 8 tpm, 9 tokens/day, 10 tokens/month (0 = none), 11 D, 12 client daily budget,
/// 13 client monthly budget (picodollars, 0 = none: that key is not read), 14 lease requests, 15 lease tokens (0 = no
/// lease asked), 16 the fill (e.g. 0.5) a window may reach with a lease, 17 group daily budget, 18 group monthly budget,
/// 19 the request's worst-case cost (picodollars, an exact integer string), 20 reservation lifetime ms, 21 reservation
/// bucket ms, then usable TPM and RPM of each deployment from 22. When no deployment has room the request is refused
/// (reason 8); when spend + reservations in flight + this request's worst case exceed a budget, before any limit is
/// charged (reason 10 client day, 11 client month, 12 group day, 13 group month). An admitted request that asked for a
/// lease gets it when its window, quotas included, stays within the fill with it: the lease's requests and tokens are
/// charged with the request's.</para>
/// <para>Reservations: a hash per scope with one field <c>x{b}</c> per expiry bucket b (the picodollars reserved by the
/// requests admitted while now + lifetime fell in bucket b-1), their total <c>n</c> and the oldest bucket that may hold
/// one, <c>w</c>. A bucket expires once now reaches b * bucket ms, so a reservation that nobody settles (its replica died)
/// stops counting after the lifetime and at most one bucket more; settlement (the usage script, or this script's flush
/// mode) takes the request's amount out of its bucket, atomically with adding the real cost to the spend counters.</para>
/// <para>Reply: admitted, retry ms, reason, requests in window, tokens in window, now ms, bucket, day, month, day spend,
/// month spend (strings, exact; nil when not read), leased (1/0), client reservations, group day spend, group month
/// spend, group reservations (picodollars, after this request's), the reservation's bucket (0 = none), then requests
/// and tokens of each deployment.</para>
/// <para>Cost: one HMGET per key (its oldest bucket, totals, quotas and current bucket together; eviction, about once
/// a bucket per key, reads again), one HSET and one PEXPIRE for an admitted request: every <c>redis.call</c> inside a
/// script costs about a microsecond of the server's single thread, so the admission keeps to five.</para>
/// <para>Flush (ARGV[1]='f'): KEYS[1..E] adjusted keys; ARGV 2-5 as above, 6 E, then 6 values per adjustment from
/// 7: bucket, tokens, requests, day, month, kind (1: a deployment's charge, which may start its window; 2: the release of
/// a reservation of 'tokens' picodollars in expiry bucket 'bucket' of a reservation hash, for a request whose usage is not
/// written to the usage stream).</para>
/// </remarks>
internal static partial class SlidingWindowScript
{
    public const int ReasonNone = 0;
    public const int ReasonRpm = 1;
    public const int ReasonTpm = 2;
    public const int ReasonDay = 3;
    public const int ReasonMonth = 4;
    public const int ReasonTooLargeTpm = 5;
    public const int ReasonTooLargeDay = 6;
    public const int ReasonTooLargeMonth = 7;
    public const int ReasonCapacity = 8;
    public const int ReasonTooLargeCapacity = 9;
    public const int ReasonBudgetDay = 10;
    public const int ReasonBudgetMonth = 11;
    public const int ReasonGroupBudgetDay = 12;
    public const int ReasonGroupBudgetMonth = 13;

    /// <summary>Leading ARGV of an admission, before the adjustments.</summary>
    public const int AdmitFixedArgs = 21;

    /// <summary>Leading ARGV of a flush, before the adjustments.</summary>
    public const int FlushFixedArgs = 6;

    /// <summary>Values per adjustment.</summary>
    public const int ArgsPerAdjustment = 6;

    /// <summary>Fixed reply fields before the deployments' pairs.</summary>
    public const int ReplyFixed = 17;
}
