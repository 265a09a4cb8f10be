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
    private Task? _ready;

    public CosmosCacheStore(AoaiContainers containers) => _containers = containers;

    public bool IsReady
    {
        get
        {
            _ready ??= _containers.WhenReadyAsync(CancellationToken.None);
            return _ready.IsCompletedSuccessfully;
        }
    }

    public async Task<CacheEntry?> ReadAsync(string partition, string id, CancellationToken cancellationToken)
    {
        using var response = await _containers.Cache.ReadItemStreamAsync(id, new PartitionKey(partition), cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
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
        var content = new MemoryStream(JsonSerializer.SerializeToUtf8Bytes(entry, CacheJsonContext.Default.CacheEntry));
        using var response = await _containers.Cache.UpsertItemStreamAsync(content, new PartitionKey(entry.ClientId), cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new CacheStoreException($"Cosmos DB answered {(int)response.StatusCode} to a cache write.");
        }
    }
}

/// <summary>The store answered with an unexpected status. The message carries the status only.</summary>
public sealed class CacheStoreException(string message) : Exception(message);
