using System.Collections.Frozen;
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
            deployments.Add(new Deployment(d, authFactory.Create(d), upstream.UpstreamApiVersion, upstream.UpstreamHttpVersion));
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
        _byName = _pools.GetAlternateLookup<ReadOnlySpan<char>>();
        Models = models;
    }

    private readonly FrozenDictionary<string, DeploymentPool>.AlternateLookup<ReadOnlySpan<char>> _byName;

    /// <summary>Every configured deployment, in configuration order.</summary>
    public IReadOnlyList<Deployment> Deployments { get; }

    /// <summary>The logical models, one per pool.</summary>
    public IReadOnlyList<string> Models { get; }

    /// <summary>Finds the pool for a logical model or an Azure deployment name.</summary>
    public bool TryGetPool(string name, out DeploymentPool pool) => _pools.TryGetValue(name, out pool!);

    /// <summary>
    /// Finds the pool for a name read from a path; <paramref name="spelled"/> is that name as a string, the configured
    /// one when spelled exactly so (no allocation), else a copy of <paramref name="name"/>.
    /// </summary>
    public bool TryGetPool(ReadOnlySpan<char> name, out DeploymentPool pool, out string spelled)
    {
        if (!_byName.TryGetValue(name, out pool!))
        {
            spelled = name.ToString();
            return false;
        }

        string? exact = name.SequenceEqual(pool.Model) ? pool.Model : null;
        foreach (var d in pool.Deployments)
        {
            if (exact is null && name.SequenceEqual(d.AzureDeployment))
            {
                exact = d.AzureDeployment;
            }
        }

        spelled = exact ?? name.ToString();
        return true;
    }
}
