using System.Net;
using Microsoft.Azure.Cosmos;

namespace AspireAoai.ServiceDefaults.Cosmos;

/// <summary>The database and containers the gateway needs: creating them, and finding out which are missing.</summary>
internal static class CosmosResources
{
    /// <summary>Creates what is missing; returns what it created (null when everything existed).</summary>
    public static async Task<string?> CreateAsync(CosmosClient client, CosmosOptions o, CancellationToken ct)
    {
        var created = new List<string>(3);
        var db = await client.CreateDatabaseIfNotExistsAsync(o.DatabaseName, cancellationToken: ct).ConfigureAwait(false);
        if (db.StatusCode == HttpStatusCode.Created) created.Add($"database '{o.DatabaseName}'");

        // DefaultTimeToLive -1: TTL is on, items without a ttl never expire, cache items set their own.
        var cache = await db.Database.CreateContainerIfNotExistsAsync(
            new ContainerProperties(o.CacheContainer, CosmosOptions.PartitionKeyPath) { DefaultTimeToLive = -1 },
            cancellationToken: ct).ConfigureAwait(false);
        if (cache.StatusCode == HttpStatusCode.Created) created.Add($"container '{o.CacheContainer}'");
        var costs = await db.Database.CreateContainerIfNotExistsAsync(
            new ContainerProperties(o.CostsContainer, CosmosOptions.PartitionKeyPath),
            cancellationToken: ct).ConfigureAwait(false);
        if (costs.StatusCode == HttpStatusCode.Created) created.Add($"container '{o.CostsContainer}'");
        return created.Count == 0 ? null : string.Join(", ", created);
    }

    /// <summary>What is missing, described for a person; null when all exist.</summary>
    public static async Task<MissingResources?> FindMissingAsync(CosmosClient client, CosmosOptions o, CancellationToken ct)
    {
        var db = client.GetDatabase(o.DatabaseName);
        try
        {
            await db.ReadAsync(cancellationToken: ct).ConfigureAwait(false);
        }
        catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return new MissingResources($"database '{o.DatabaseName}'", Cache: true, Costs: true);
        }

        var cache = !await ExistsAsync(db.GetContainer(o.CacheContainer), ct).ConfigureAwait(false);
        var costs = !await ExistsAsync(db.GetContainer(o.CostsContainer), ct).ConfigureAwait(false);
        if (!cache && !costs)
        {
            return null;
        }

        var names = cache && costs ? $"containers '{o.CacheContainer}' and '{o.CostsContainer}'"
            : $"container '{(cache ? o.CacheContainer : o.CostsContainer)}'";
        return new MissingResources($"{names} of database '{o.DatabaseName}'", cache, costs);
    }

    private static async Task<bool> ExistsAsync(Container container, CancellationToken ct)
    {
        try
        {
            await container.ReadContainerAsync(cancellationToken: ct).ConfigureAwait(false);
            return true;
        }
        catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
    }
}

/// <summary>What a check found missing: a description for a person, and which containers are affected.</summary>
internal sealed record MissingResources(string Description, bool Cache, bool Costs);
