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

    /// <summary>
    /// True while <paramref name="container"/> is believed to exist: false until the resources were first ensured, and from
    /// a <see cref="ReportMissing"/> until it exists again. Cheap: read on every cache lookup.
    /// </summary>
    public bool IsAvailable(Container container) => _initializer.IsAvailable(container.Id);

    /// <summary>
    /// Call on a 404 that <see cref="CosmosNotFound.IsOwnerMissing(CosmosException, CosmosNotFound.Operation)"/> reads as
    /// "the database or container does not exist": re-creates them in the background (one attempt at a time across
    /// callers, with back-off) and never waits.
    /// </summary>
    public void ReportMissing(Container container) => _initializer.ReportMissing(container.Id);

    /// <summary>Ensures the database and containers exist, joining the attempt in progress; true when they do afterwards.</summary>
    public Task<bool> EnsureAsync(CancellationToken cancellationToken) => _initializer.EnsureAsync(cancellationToken);
}
