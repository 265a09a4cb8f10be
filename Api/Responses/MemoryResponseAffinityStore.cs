using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Responses;

/// <summary>
/// The store of a gateway run without Redis (one replica): in memory, entries expiring with the retention. With
/// several replicas configure Redis, or a follow-up reaching another replica is answered 404.
/// </summary>
internal sealed class MemoryResponseAffinityStore(IOptions<ResponsesOptions> options, TimeProvider time) : IResponseAffinityStore
{
    private const int MaxEntries = 100_000;
    private readonly ConcurrentDictionary<string, (ResponseOwner Owner, DateTimeOffset Expires)> _entries = new(StringComparer.Ordinal);
    private readonly TimeSpan _retention = options.Value.Retention;

    public Task RememberAsync(string responseId, ResponseOwner owner, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (_entries.Count >= MaxEntries)
        {
            foreach (var entry in _entries)
            {
                if (entry.Value.Expires <= now)
                {
                    _entries.TryRemove(entry.Key, out _);
                }
            }
        }

        _entries[responseId] = (owner, now + _retention);
        return Task.CompletedTask;
    }

    public Task<ResponseOwner?> FindAsync(string responseId, CancellationToken cancellationToken)
        => Task.FromResult<ResponseOwner?>(_entries.TryGetValue(responseId, out var entry) && entry.Expires > time.GetUtcNow() ? entry.Owner : null);

    public Task ForgetAsync(string responseId, CancellationToken cancellationToken)
    {
        _entries.TryRemove(responseId, out _);
        return Task.CompletedTask;
    }
}
