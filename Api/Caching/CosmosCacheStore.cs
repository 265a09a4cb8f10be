using System.Net;
using System.Text.Json;
using AspireAoai.ServiceDefaults.Cosmos;
using Microsoft.Azure.Cosmos;

namespace AspireAoai.Api.Caching;

/// <summary>
/// Cache entries in the Cosmos DB container <c>cache</c>: one point read per lookup, one upsert per store. The
/// stream APIs are used so a miss (404) costs no exception, and entries are (de)serialized with the
/// source-generated <see cref="CacheJsonContext"/>.
/// </summary>
internal sealed class CosmosCacheStore : ICacheStore
{
    private readonly AoaiContainers _containers;

    public CosmosCacheStore(AoaiContainers containers) => _containers = containers;

    public bool IsReady
    {
        get
        {
            if (_containers.IsAvailable(_containers.Cache))
            {
                return true;
            }

            // Not created yet, or gone: (re-)create in the background; the attempts are paced, so asking often is cheap.
            _containers.ReportMissing(_containers.Cache);
            return false;
        }
    }

    public async Task<CacheEntry?> ReadAsync(string partition, string id, CancellationToken cancellationToken)
    {
        using var response = await _containers.Cache.ReadItemStreamAsync(id, new PartitionKey(partition), cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            if (CosmosNotFound.IsOwnerMissing(response, CosmosNotFound.Operation.Item))
            {
                // The container (or database) is gone, e.g. the local server restarted empty: a miss, and re-create it.
                _containers.ReportMissing(_containers.Cache);
            }

            return null;
        }

        if (!response.IsSuccessStatusCode || response.Content is null)
        {
            throw new CacheStoreException($"Cosmos DB answered {(int)response.StatusCode} to a cache read.");
        }

        return await JsonSerializer.DeserializeAsync(response.Content, CacheJsonContext.Default.CacheEntry, cancellationToken).ConfigureAwait(false);
    }

    public async Task WriteAsync(CacheEntry entry, CancellationToken cancellationToken)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(entry, CacheJsonContext.Default.CacheEntry);
        for (var attempt = 1; ; attempt++)
        {
            using var response = await _containers.Cache.UpsertItemStreamAsync(new MemoryStream(bytes), new PartitionKey(entry.ClientId),
                cancellationToken: cancellationToken).ConfigureAwait(false);
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            // An upsert cannot miss its item: a 404 means the container is gone. Re-create it (joining whoever already
            // is) and write once more, within the caller's write timeout.
            if (attempt == 1 && CosmosNotFound.IsOwnerMissing(response, CosmosNotFound.Operation.OwnerOnly))
            {
                _containers.ReportMissing(_containers.Cache);
                if (await _containers.EnsureAsync(cancellationToken).ConfigureAwait(false))
                {
                    continue;
                }
            }

            throw new CacheStoreException($"Cosmos DB answered {(int)response.StatusCode} to a cache write.");
        }
    }
}
