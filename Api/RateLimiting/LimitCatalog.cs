using System.Collections.Concurrent;
using System.Collections.Frozen;
using AspireAoai.Api.Budgets;
using AspireAoai.Api.Routing;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// Every client's and deployment's limits, resolved at start from configuration (<c>Gateway:Clients</c>,
/// <c>Gateway:Deployments</c>, defaults in <c>Gateway:RateLimits</c>), so admission only looks them up.
/// </summary>
public sealed class LimitCatalog
{
    private readonly FrozenDictionary<string, ClientLimits> _clients;
    private readonly ConcurrentDictionary<string, ClientLimits> _unconfigured = new(StringComparer.Ordinal);
    private readonly FrozenDictionary<string, DeploymentLimits> _deployments;
    private readonly ConcurrentDictionary<DeploymentPool, DeploymentLimits[]> _pools = new();
    private readonly RateLimitOptions _options;

    public LimitCatalog(IOptions<RateLimitOptions> options, IOptions<ClientRateLimitsOptions> clients, IOptions<UpstreamOptions> upstream,
        BudgetCatalog budgets)
    {
        _options = options.Value;
        var o = _options;
        var map = new Dictionary<string, ClientLimits>(StringComparer.Ordinal);
        foreach (var c in clients.Value.Clients)
        {
            if (!string.IsNullOrEmpty(c.Id))
            {
                var budget = budgets.For(c.Id);
                map[c.Id] = new ClientLimits(c.Id, c.Rpm ?? o.Rpm ?? 0, c.Tpm ?? o.Tpm ?? 0, c.TokensPerDay ?? o.TokensPerDay ?? 0,
                    c.TokensPerMonth ?? o.TokensPerMonth ?? 0, o.BucketMilliseconds, o.FallbackReplicas, budget,
                    c.FailureMode ?? (budget is null ? null : o.BudgetFailureMode));
            }
        }

        _clients = map.ToFrozenDictionary(StringComparer.Ordinal);
        var deps = new Dictionary<string, DeploymentLimits>(StringComparer.OrdinalIgnoreCase);
        foreach (var d in upstream.Value.Deployments)
        {
            if (!string.IsNullOrEmpty(d.Name))
            {
                deps[d.Name] = new DeploymentLimits(d.Name, d.CapacityTpm ?? o.DeploymentTpm ?? 0, d.CapacityRpm ?? o.DeploymentRpm ?? 0, o.DeploymentHeadroom);
            }
        }

        _deployments = deps.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>The limits of a client; a client missing from <c>Gateway:Clients</c> gets the defaults.</summary>
    public ClientLimits ForClient(string id)
    {
        if (_clients.TryGetValue(id, out var limits))
        {
            return limits;
        }

        return _unconfigured.GetOrAdd(id, static (key, o) => new ClientLimits(key, o.Rpm ?? 0, o.Tpm ?? 0, o.TokensPerDay ?? 0,
            o.TokensPerMonth ?? 0, o.BucketMilliseconds, o.FallbackReplicas), _options);
    }

    /// <summary>A deployment's capacity by name, or null when it has none configured.</summary>
    public DeploymentLimits? ForDeployment(string name)
        => _deployments.TryGetValue(name, out var limits) && limits.IsLimited ? limits : null;

    /// <summary>
    /// The capacity-limited deployments of a pool, in pool order; empty when any deployment of the pool is unlimited
    /// (the pool then always has room, and admission need not read the others).
    /// </summary>
    public DeploymentLimits[] ForPool(DeploymentPool pool)
    {
        if (_pools.TryGetValue(pool, out var cached))
        {
            return cached;
        }

        var list = new List<DeploymentLimits>(pool.Deployments.Count);
        foreach (var d in pool.Deployments)
        {
            var limits = ForDeployment(d.Name);
            if (limits is null)
            {
                list.Clear();
                break;
            }

            list.Add(limits);
        }

        return _pools.GetOrAdd(pool, [.. list]);
    }
}
