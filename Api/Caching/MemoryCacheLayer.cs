using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Caching;

/// <summary>
/// An in-process first level in front of the shared store (<see cref="CosmosCacheStore"/>): a hit found here costs no
/// network round trip. Entries are keyed by partition and key, so a client only ever reads its own (or its shared
/// namespace's) entries, exactly as in the store; each leaves at its own <see cref="CacheEntry.ExpiresAt"/>, and the
/// whole level is bounded by <see cref="CacheOptions.MemoryMaxBytes"/> (least recently used entries are compacted
/// first). Writes go here first, then to the store. Another replica's newer entry is not seen until this one's expires
/// or is evicted: see docs/cache.md, "Two levels".
/// </summary>
/// <remarks>
/// Microsoft.Extensions.Caching.Hybrid's <c>HybridCache</c> was the first candidate. It does not fit: its one entry
/// point is get-or-create with a factory, while a miss here is not a value to compute but a response relayed to the
/// client as it streams and stored afterwards from a copy; and entries must keep the store's absolute expiry, decided
/// when the answer completes. A bounded <see cref="MemoryCache"/> gives the same first level without the mismatch.
/// </remarks>
internal sealed class MemoryCacheLayer : ICacheStore, IDisposable
{
    /// <summary>What an entry costs beyond its body: the record, its strings and the cache's own bookkeeping.</summary>
    internal const int EntryOverheadBytes = 512;

    private readonly ICacheStore _store;
    private readonly MemoryCache _memory;
    private readonly CacheMetrics _metrics;
    private readonly TimeProvider _time;

    public MemoryCacheLayer(ICacheStore store, IOptions<CacheOptions> options, CacheMetrics metrics, TimeProvider time)
    {
        _store = store;
        _metrics = metrics;
        _time = time;
        _memory = new MemoryCache(new MemoryCacheOptions
        {
            SizeLimit = options.Value.MemoryMaxBytes,
            // Over the limit, a quarter goes at once: compacting entry by entry on every write would cost each write.
            CompactionPercentage = 0.25,
            Clock = new TimeProviderClock(time),
        });
    }

    /// <summary>The shared store's readiness: the first level only holds what the store held or was given.</summary>
    public bool IsReady => _store.IsReady;

    /// <summary>Entries held (tests and diagnostics).</summary>
    internal int Count => _memory.Count;

    /// <summary>The bytes charged against <see cref="CacheOptions.MemoryMaxBytes"/>.</summary>
    internal long Size => _memory.GetCurrentStatistics()?.CurrentEstimatedSize ?? 0;

    public async Task<CacheEntry?> ReadAsync(string partition, string id, CancellationToken cancellationToken)
    {
        var key = Key(partition, id);
        if (_memory.TryGetValue(key, out var held) && held is CacheEntry entry)
        {
            _metrics.Level("memory", "hit");
            return entry;
        }

        var stored = await _store.ReadAsync(partition, id, cancellationToken).ConfigureAwait(false);
        _metrics.Level("store", stored is null ? "not_found" : "hit");
        if (stored is not null)
        {
            Hold(key, stored);
        }

        return stored;
    }

    public Task WriteAsync(CacheEntry entry, CancellationToken cancellationToken)
    {
        Hold(Key(entry.ClientId, entry.Id), entry);
        return _store.WriteAsync(entry, cancellationToken);
    }

    private void Hold(string key, CacheEntry entry)
    {
        if (entry.ExpiresAt <= _time.GetUtcNow())
        {
            return;
        }

        // A .NET string holds two bytes a character.
        var size = ((long)entry.Body.Length * 2) + EntryOverheadBytes;
        using var cached = _memory.CreateEntry(key);
        cached.Value = entry;
        cached.Size = size;
        cached.AbsoluteExpiration = entry.ExpiresAt;
    }

    private static string Key(string partition, string id) => string.Concat(partition, "\u001f", id);

    public void Dispose() => _memory.Dispose();

    /// <summary>The cache's clock from the gateway's <see cref="TimeProvider"/>, so TTLs follow a test's fake clock.</summary>
    private sealed class TimeProviderClock(TimeProvider time) : Microsoft.Extensions.Internal.ISystemClock
    {
        public DateTimeOffset UtcNow => time.GetUtcNow();
    }
}
