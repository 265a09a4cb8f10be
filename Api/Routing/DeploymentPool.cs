namespace AspireAoai.Api.Routing;

/// <summary>
/// The deployments that serve one logical model, in priority groups. Selection walks the groups in order
/// (provisioned first, pay-as-you-go after) and picks by weight inside the first group that has a deployment
/// that is neither cooling, nor already tried by this request, nor out of capacity.
/// </summary>
public sealed class DeploymentPool
{
    private readonly Deployment[] _deployments;
    private readonly int[] _groupStarts;

    internal DeploymentPool(string model, IReadOnlyList<Deployment> deployments)
    {
        if (deployments.Count is 0 or > UpstreamOptionsValidator.MaxDeploymentsPerPool)
        {
            throw new ArgumentOutOfRangeException(nameof(deployments), deployments.Count, "A pool holds 1 to 64 deployments.");
        }

        Model = model;
        // Stable sort: inside a priority group the configuration order is kept.
        _deployments = deployments.Select((d, i) => (d, i)).OrderBy(x => x.d.Priority).ThenBy(x => x.i).Select(x => x.d).ToArray();
        var starts = new List<int>();
        for (var i = 0; i < _deployments.Length; i++)
        {
            _deployments[i].PoolIndex = i;
            if (i == 0 || _deployments[i].Priority != _deployments[i - 1].Priority)
            {
                starts.Add(i);
            }
        }

        starts.Add(_deployments.Length);
        _groupStarts = [.. starts];
    }

    /// <summary>The logical model.</summary>
    public string Model { get; }

    /// <summary>Deployments by priority.</summary>
    public IReadOnlyList<Deployment> Deployments => _deployments;

    /// <summary>
    /// Picks the deployment for the next attempt, or null when none is eligible. A deployment whose cool-down has ended
    /// but which has not answered since takes one request at a time (its probe, held for at most
    /// <paramref name="probeFor"/>) while the others go to the next eligible deployment; only when there is none do they
    /// go to it as well, as they would without probing.
    /// </summary>
    /// <param name="tried">Deployments this request already tried (bit = pool index); never picked again.</param>
    /// <param name="now">Current time, for cool-downs.</param>
    /// <param name="random">Source for the weighted choice.</param>
    /// <param name="capacity">Seam for per-deployment capacity; null = unlimited.</param>
    /// <param name="request">The request, for capacity decisions.</param>
    /// <param name="probeFor">How long a probe may hold a recovering deployment (the attempt timeout); zero = no probes.</param>
    public Deployment? Select(TriedSet tried, DateTimeOffset now, Random random, IDeploymentCapacity? capacity = null, GatewayRequest? request = null,
        TimeSpan probeFor = default)
    {
        // Each lost race makes the deployment probing, so it is skipped the next round: at most one round per deployment.
        for (var round = 0; round <= _deployments.Length; round++)
        {
            var picked = Pick(tried, now, random, capacity, request, skipProbing: true);
            if (picked is null)
            {
                break;
            }

            if (probeFor <= TimeSpan.Zero || picked.TryStartProbe(now, probeFor))
            {
                return picked;
            }
        }

        return Pick(tried, now, random, capacity, request, skipProbing: false);
    }

    private Deployment? Pick(TriedSet tried, DateTimeOffset now, Random random, IDeploymentCapacity? capacity, GatewayRequest? request, bool skipProbing)
    {
        for (var g = 0; g < _groupStarts.Length - 1; g++)
        {
            int start = _groupStarts[g], end = _groupStarts[g + 1];
            var total = 0;
            for (var i = start; i < end; i++)
            {
                if (IsEligible(i, tried, now, capacity, request, skipProbing))
                {
                    total += _deployments[i].Weight;
                }
            }

            if (total == 0)
            {
                continue;
            }

            var pick = total == 1 ? 0 : random.Next(total);
            Deployment? last = null;
            for (var i = start; i < end; i++)
            {
                if (!IsEligible(i, tried, now, capacity, request, skipProbing))
                {
                    continue;
                }

                last = _deployments[i];
                pick -= last.Weight;
                if (pick < 0)
                {
                    return last;
                }
            }

            // Only reachable if a deployment changed state between the two passes.
            if (last is not null)
            {
                return last;
            }
        }

        return null;
    }

    /// <summary>The earliest time a cooling deployment of this pool recovers; null when none is cooling.</summary>
    public DateTimeOffset? EarliestRecovery(DateTimeOffset now)
    {
        DateTimeOffset? earliest = null;
        foreach (var d in _deployments)
        {
            var until = d.CoolingUntil(now);
            if (until is not null && (earliest is null || until < earliest))
            {
                earliest = until;
            }
        }

        return earliest;
    }

    /// <summary>True when every deployment of the pool is cooling at <paramref name="now"/>.</summary>
    public bool AllCooling(DateTimeOffset now)
    {
        foreach (var d in _deployments)
        {
            if (!d.IsCooling(now))
            {
                return false;
            }
        }

        return true;
    }

    private bool IsEligible(int index, TriedSet tried, DateTimeOffset now, IDeploymentCapacity? capacity, GatewayRequest? request, bool skipProbing)
    {
        var d = _deployments[index];
        return !tried.Contains(index) && !d.IsCooling(now) && !(skipProbing && d.IsProbing(now))
            && (capacity is null || request is null || capacity.HasCapacity(d, request));
    }
}
