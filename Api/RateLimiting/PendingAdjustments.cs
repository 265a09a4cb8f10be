using System.Collections.Concurrent;
using StackExchange.Redis;

namespace AspireAoai.Api.RateLimiting;

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

    public int Count => Volatile.Read(ref _count);

    public void Enqueue(in Adjustment adjustment)
    {
        if (Interlocked.Increment(ref _count) > MaxQueued && _queue.TryDequeue(out _))
        {
            Interlocked.Decrement(ref _count);
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

    /// <summary>
    /// Takes up to <paramref name="max"/> queued adjustments and merges them: adjustments of one key, sub-bucket, day,
    /// month and kind become one, their tokens and requests summed. <paramref name="taken"/> is how many were taken.
    /// </summary>
    public List<MergedAdjustment> TakeMerged(int max, out int taken)
    {
        var merged = new Dictionary<MergeKey, MergedAdjustment>();
        taken = 0;
        while (taken < max && TryDequeue(out var a))
        {
            taken++;
            var key = new MergeKey(a.Key, a.Bucket, a.Day, a.Month, a.Kind);
            merged[key] = merged.TryGetValue(key, out var m)
                ? new MergedAdjustment(m.Sum with { Tokens = m.Sum.Tokens + a.Tokens, Requests = m.Sum.Requests + a.Requests }, m.Count + 1)
                : new MergedAdjustment(a, 1);
        }

        return new List<MergedAdjustment>(merged.Values);
    }

    private readonly record struct MergeKey(RedisKey Key, long Bucket, long Day, long Month, byte Kind);
}
