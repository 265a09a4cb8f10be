using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Caching;

/// <summary>
/// Stampede protection (<see cref="CacheOptions.CoalesceMisses"/>): of N identical cacheable requests that miss at once on
/// this replica, the first goes upstream and the others wait for it, then read its answer from the cache. Identical means
/// the same partition and key, so only requests that could have shared a cache entry ever wait on each other. The slot is
/// freed when the first request's answer has been stored, or when it will not be (an error, a refusal, an answer too
/// large): the waiters then look up once more and, on a miss, go upstream themselves. A waiter never waits longer than
/// <see cref="CacheOptions.CoalesceWaitMs"/>. Every waiter was admitted (and charged) before it waits, like any request.
/// </summary>
internal sealed class MissCoalescer
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _inFlight = new(StringComparer.Ordinal);

    public MissCoalescer(IOptions<CacheOptions> options)
    {
        Enabled = options.Value.CoalesceMisses;
        Wait = TimeSpan.FromMilliseconds(options.Value.CoalesceWaitMs);
    }

    public bool Enabled { get; }

    /// <summary>Longest a waiter waits.</summary>
    public TimeSpan Wait { get; }

    /// <summary>Requests currently leading a slot (tests).</summary>
    internal int InFlight => _inFlight.Count;

    /// <summary>
    /// True when the caller is the first for <paramref name="slot"/> and must free it (<see cref="Release"/>); false when
    /// another request leads it, whose end <paramref name="leader"/> completes with.
    /// </summary>
    public bool TryLead(string slot, out Task leader)
    {
        var mine = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var current = _inFlight.GetOrAdd(slot, mine);
        leader = current.Task;
        return ReferenceEquals(current, mine);
    }

    /// <summary>Frees the slot of a leading request and wakes its waiters; nothing for a request that led none.</summary>
    public void Release(CacheRequest request)
    {
        if (request.CoalesceSlot is { } slot && _inFlight.TryRemove(slot, out var waiters))
        {
            request.CoalesceSlot = null;
            waiters.TrySetResult();
        }
    }

    /// <summary>The slot of a request: its partition and key, as the first level keys entries.</summary>
    public static string Slot(CacheRequest request) => string.Concat(request.Partition, "\u001f", request.Key);
}
