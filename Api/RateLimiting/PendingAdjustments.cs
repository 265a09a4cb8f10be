using System.Collections.Concurrent;
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

/// <summary>
/// Adjustments waiting to be written. <see cref="AdjustmentFlusher"/> writes them every
/// <see cref="AdjustmentFlusher.Interval"/>, merged per key and sub-bucket, so under load a deployment gets one charge
/// per bucket and flush instead of one per request, and admissions carry none. Bounded: while Redis is away for long
/// the oldest are dropped.
/// </summary>
internal sealed class PendingAdjustments
{
    public const int MaxQueued = 100_000;

    private readonly ConcurrentQueue<Adjustment> _queue = new();
    private int _count;
    private long _dropped;

    public int Count => Volatile.Read(ref _count);

    public long Dropped => Interlocked.Read(ref _dropped);

    public void Enqueue(in Adjustment adjustment)
    {
        if (Interlocked.Increment(ref _count) > MaxQueued && _queue.TryDequeue(out _))
        {
            Interlocked.Decrement(ref _count);
            Interlocked.Increment(ref _dropped);
        }

        _queue.Enqueue(adjustment);
    }

    public bool TryDequeue(out Adjustment adjustment)
    {
        if (_queue.TryDequeue(out adjustment))
        {
            Interlocked.Decrement(ref _count);
            return true;
        }

        return false;
    }
}
