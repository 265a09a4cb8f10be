using StackExchange.Redis;

namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// A change after the fact: a reconciliation (refund or extra charge) of a window, a deployment's charge, or the release of
/// a budget reservation (<see cref="Kind"/>; for a release <see cref="Bucket"/> is the expiry bucket and
/// <see cref="Tokens"/> the picodollars).
/// </summary>
internal readonly record struct Adjustment(RedisKey Key, long Bucket, long Tokens, long Requests, long Day, long Month, byte Kind)
{
    public const byte Reconcile = 0;
    public const byte Charge = 1;
    public const byte Release = 2;
}
