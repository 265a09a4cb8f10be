using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Options;

namespace AspireAoai.ServiceDefaults.Cosmos;

/// <summary>The gateway's containers, resolved once from <see cref="CosmosOptions"/>.</summary>
public sealed class AoaiContainers
{
    private readonly CosmosResourceInitializer _initializer;

    public AoaiContainers(CosmosClient client, IOptions<CosmosOptions> options, CosmosResourceInitializer initializer)
    {
        var o = options.Value;
        Database = client.GetDatabase(o.DatabaseName);
        Cache = Database.GetContainer(o.CacheContainer);
        Costs = Database.GetContainer(o.CostsContainer);
        _initializer = initializer;
    }

    public Database Database { get; }

    /// <summary>Response cache: partition key <c>/clientId</c>, items carry <c>ttl</c>.</summary>
    public Container Cache { get; }

    /// <summary>Cost aggregates: partition key <c>/clientId</c>.</summary>
    public Container Costs { get; }

    /// <summary>
    /// Completes when the database and containers exist (at once when <c>Cosmos:CreateResources</c> is false).
    /// Faults when the initializer gave up.
    /// </summary>
    public Task WhenReadyAsync(CancellationToken cancellationToken) => _initializer.Ready.WaitAsync(cancellationToken);
}
