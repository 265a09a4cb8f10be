namespace AspireAoai.Api.Caching;

/// <summary>The response cache (section <c>Gateway:Cache</c>). Validated at start by <see cref="CacheOptionsValidator"/>.</summary>
public sealed class CacheOptions
{
    public const string SectionName = "Gateway:Cache";

    /// <summary>
    /// Turns the cache on. It also needs <c>ConnectionStrings:cosmos</c>; without one the cache stays off and
    /// says so in the log at start.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long an entry is served, unless the client's settings or the request say otherwise.</summary>
    public TimeSpan DefaultTtl { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Upper bound on any TTL, so a request header cannot pin an entry for ever.</summary>
    public TimeSpan MaxTtl { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Time a lookup may take before the request goes upstream as a MISS. The cache must never cost more than a
    /// small fraction of an upstream call.
    /// </summary>
    public int LookupTimeoutMs { get; set; } = 150;

    /// <summary>
    /// When set, every client reads and writes one shared partition of this name (prefixed <c>shared:</c>), so
    /// identical requests of different clients share answers. Null (the default): one partition per client.
    /// </summary>
    public string? SharedNamespace { get; set; }

    /// <summary>
    /// Treat a request with a <c>seed</c> as deterministic (whatever its temperature). Off by default: a seed makes
    /// sampling repeatable only on a best-effort basis. Clients opt in through <see cref="Clients"/>.
    /// </summary>
    public bool AllowSeed { get; set; }

    /// <summary>Store answers that call tools (<c>finish_reason: tool_calls</c>). Off by default.</summary>
    public bool CacheToolCalls { get; set; }

    /// <summary>Cache embeddings (deterministic by nature).</summary>
    public bool CacheEmbeddings { get; set; } = true;

    /// <summary>Largest response body stored. A Cosmos DB item holds at most 2 MB, the JSON escaping included.</summary>
    public int MaxEntryBytes { get; set; } = 1024 * 1024;

    /// <summary>Cache writes waiting to be stored; when full, new writes are dropped (and counted), never waited for.</summary>
    public int WriteQueueCapacity { get; set; } = 1024;

    /// <summary>Time one background write may take.</summary>
    public int WriteTimeoutMs { get; set; } = 5000;

    /// <summary>Consecutive store failures or timeouts after which lookups and writes pause for <see cref="BreakDuration"/>.</summary>
    public int FailureThreshold { get; set; } = 5;

    /// <summary>How long the cache stays out of the way after <see cref="FailureThreshold"/> failures.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Bytes the in-process first level (<see cref="MemoryCacheLayer"/>) may hold on each replica, counted as two bytes per
    /// body character plus a fixed overhead per entry; 0 turns it off (every lookup is a store read).
    /// </summary>
    public long MemoryMaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Identical cacheable requests (same partition and key) that miss while the first is still upstream wait for its
    /// answer and are served it from the cache, instead of each going upstream: one upstream call for N. Off by default:
    /// a waiting streamed request gets its first byte only when the first request's stream has ended.
    /// </summary>
    public bool CoalesceMisses { get; set; }

    /// <summary>Longest a coalesced request waits for the first one's answer before it goes upstream itself.</summary>
    public int CoalesceWaitMs { get; set; } = 30_000;

    /// <summary>Per-client overrides, by client id (<c>Gateway:Cache:Clients:{clientId}</c>).</summary>
    public IDictionary<string, ClientCacheOptions> Clients { get; set; } =
        new Dictionary<string, ClientCacheOptions>(StringComparer.OrdinalIgnoreCase);
}
