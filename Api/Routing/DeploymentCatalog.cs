using System.Collections.Frozen;
using AspireAoai.Api.Forwarding;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Routing;

/// <summary>
/// All deployments and their pools, built once from <see cref="UpstreamOptions"/>. A pool is found by its
/// logical model or by the Azure deployment name of any of its members (case-insensitive).
/// </summary>
public sealed class DeploymentCatalog
{
    private readonly FrozenDictionary<string, DeploymentPool> _pools;

    public DeploymentCatalog(IOptions<UpstreamOptions> options, UpstreamAuthenticatorFactory authFactory)
    {
        var upstream = options.Value;
        var deployments = new List<Deployment>(upstream.Deployments.Count);
        foreach (var d in upstream.Deployments)
        {
            deployments.Add(new Deployment(d, authFactory.Create(d), upstream.UpstreamApiVersion));
        }

        Deployments = deployments;
        var pools = new Dictionary<string, DeploymentPool>(StringComparer.OrdinalIgnoreCase);
        var models = new List<string>();
        foreach (var group in deployments.GroupBy(d => d.Model, StringComparer.OrdinalIgnoreCase))
        {
            var pool = new DeploymentPool(group.First().Model, [.. group]);
            pools[pool.Model] = pool;
            models.Add(pool.Model);
        }

        // A model name wins over a deployment name that happens to be spelled the same.
        foreach (var d in deployments)
        {
            pools.TryAdd(d.AzureDeployment, pools[d.Model]);
        }

        _pools = pools.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        Models = models;
    }

    /// <summary>Every configured deployment, in configuration order.</summary>
    public IReadOnlyList<Deployment> Deployments { get; }

    /// <summary>The logical models, one per pool.</summary>
    public IReadOnlyList<string> Models { get; }

    /// <summary>Finds the pool for a logical model or an Azure deployment name.</summary>
    public bool TryGetPool(string name, out DeploymentPool pool) => _pools.TryGetValue(name, out pool!);
}
