using System.Globalization;
using System.Collections.Concurrent;
using System.Collections.Frozen;
using AspireAoai.Api.Budgets;
using AspireAoai.Api.Routing;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireAoai.Api.RateLimiting;

/// <summary>The limits of one client, resolved once, with its Redis key and its fail-open window.</summary>
public sealed class ClientLimits
{
    internal ClientLimits(string id, int rpm, int tpm, long tokensPerDay, long tokensPerMonth, int bucketMs, int fallbackReplicas,
        ClientBudget? budget = null, RedisFailureMode? failureMode = null)
    {
        Budget = budget;
        FailureMode = failureMode;
        Id = id;
        Key = new RedisKey("aoai:rl:client:" + id);
        Rpm = rpm;
        Tpm = tpm;
        TokensPerDay = tokensPerDay;
        TokensPerMonth = tokensPerMonth;
        Local = new LocalSlidingWindow(bucketMs, Share(rpm, fallbackReplicas), Share(tpm, fallbackReplicas));
        Meter = new LeaseMeter(bucketMs);
        RpmHeader = rpm.ToString(CultureInfo.InvariantCulture);
        TpmHeader = tpm.ToString(CultureInfo.InvariantCulture);
        LocalRpmHeader = Local.Rpm.ToString(CultureInfo.InvariantCulture);
        LocalTpmHeader = Local.Tpm.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary><see cref="Rpm"/> as a header value, formatted once.</summary>
    internal string RpmHeader { get; }

    /// <summary><see cref="Tpm"/> as a header value, formatted once.</summary>
    internal string TpmHeader { get; }

    /// <summary>The local share of <see cref="Rpm"/> as a header value.</summary>
    internal string LocalRpmHeader { get; }

    /// <summary>The local share of <see cref="Tpm"/> as a header value.</summary>
    internal string LocalTpmHeader { get; }

    public string Id { get; }

    /// <summary><c>aoai:rl:client:{id}</c>.</summary>
    public RedisKey Key { get; }

    /// <summary>Requests per minute; 0 = none.</summary>
    public int Rpm { get; }

    /// <summary>Tokens per minute; 0 = none.</summary>
    public int Tpm { get; }

    /// <summary>Tokens per UTC day; 0 = none.</summary>
    public long TokensPerDay { get; }

    /// <summary>Tokens per UTC month; 0 = none.</summary>
    public long TokensPerMonth { get; }

    /// <summary>
    /// What admission does for this client while Redis cannot answer: a client with a budget fails closed unless
    /// configured otherwise, because the local fallback cannot see its spend. Null: <c>Gateway:RateLimits:FailureMode</c>.
    /// </summary>
    public RedisFailureMode? FailureMode { get; }

    /// <summary>The client's spend budget, checked in the same admission call; null = none (the spend is never read).</summary>
    public ClientBudget? Budget { get; }

    /// <summary>True when some limit counts tokens, so a charge is worth reconciling.</summary>
    public bool HasTokenLimits => Tpm > 0 || TokensPerDay > 0 || TokensPerMonth > 0;

    /// <summary>True when admission must ask Redis: some rate limit, quota or budget.</summary>
    public bool HasLimits => Rpm > 0 || Tpm > 0 || TokensPerDay > 0 || TokensPerMonth > 0 || Budget is not null;

    /// <summary>This replica's share of the limits, used while Redis is unavailable.</summary>
    internal LocalSlidingWindow Local { get; }

    /// <summary>This replica's admissions of the client per bucket: the size of the next lease.</summary>
    internal LeaseMeter Meter { get; }

    /// <summary>This replica's current lease of the client's limits, if any.</summary>
    internal ClientLease? Lease => Volatile.Read(ref LeaseSlot);

    /// <summary>Where <see cref="Lease"/> lives, for the limiter's interlocked swaps.</summary>
    internal ClientLease? LeaseSlot;

    /// <summary>Completed when the admission now asking Redis for this client's next lease is done; null when none is.</summary>
    internal TaskCompletionSource? RenewalSlot;

    /// <summary>The local bucket in which Redis last refused this client a lease (none is asked for again in it).</summary>
    internal long LeaseRefusedBucket = -1;

    private static int Share(int limit, int replicas) => limit == 0 ? 0 : Math.Max(1, limit / replicas);
}

/// <summary>The capacity of one upstream deployment and the last window totals Redis reported for it.</summary>
public sealed class DeploymentLimits
{
    private long _requests;
    private long _tokens;
    private long _readAtMs;

    internal DeploymentLimits(string name, int tpm, int rpm, double headroom)
    {
        Name = name;
        Key = new RedisKey("aoai:rl:dep:" + name);
        Tpm = tpm;
        Rpm = rpm;
        UsableTpm = tpm == 0 ? 0 : Math.Max(1, (int)(tpm * headroom));
        UsableRpm = rpm == 0 ? 0 : Math.Max(1, (int)(rpm * headroom));
    }

    public string Name { get; }

    /// <summary><c>aoai:rl:dep:{name}</c>.</summary>
    public RedisKey Key { get; }

    public int Tpm { get; }

    public int Rpm { get; }

    /// <summary>Capacity after headroom: what the gateway lets itself use.</summary>
    public int UsableTpm { get; }

    public int UsableRpm { get; }

    public bool IsLimited => Tpm > 0 || Rpm > 0;

    /// <summary>Requests in the deployment's window at the last read (plus this replica's charges since).</summary>
    public long Requests => Volatile.Read(ref _requests);

    /// <summary>Tokens in the deployment's window at the last read (plus this replica's charges since).</summary>
    public long Tokens => Volatile.Read(ref _tokens);

    /// <summary>
    /// True when a request of <paramref name="tokens"/> fits the last known window (stale after a minute), filled to at
    /// most <paramref name="fill"/> of the usable capacity.
    /// </summary>
    public bool HasRoom(long tokens, long nowMs, double fill = 1.0)
    {
        if (nowMs - Volatile.Read(ref _readAtMs) > 60_000)
        {
            return fill >= 1.0;
        }

        return (UsableRpm == 0 || Requests + 1 <= UsableRpm * fill) && (UsableTpm == 0 || Tokens + tokens <= UsableTpm * fill);
    }

    internal void Observe(long requests, long tokens, long atMs)
    {
        Volatile.Write(ref _requests, requests);
        Volatile.Write(ref _tokens, tokens);
        Volatile.Write(ref _readAtMs, atMs);
    }

    internal void AddLocal(long tokens)
    {
        Interlocked.Increment(ref _requests);
        Interlocked.Add(ref _tokens, tokens);
    }
}

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
