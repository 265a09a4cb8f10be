using System.Collections.Frozen;
using AspireAoai.Api.Parsing;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Caching;

/// <summary>One client's effective cache settings: its overrides over the defaults.</summary>
internal sealed record ClientCacheSettings(bool Enabled, TimeSpan DefaultTtl, bool AllowSeed, bool CacheToolCalls, bool CacheEmbeddings, string? Partition);

/// <summary>
/// Decides from the parsed request alone (no hashing, no I/O) whether a request is cacheable: a chat completion
/// with <c>n</c> = 1 and temperature 0, or a <c>seed</c> when the client opted in; embeddings unless turned off.
/// A request that leaves temperature out samples at 1 and is not cacheable. Only then are the request's cache
/// headers read.
/// </summary>
public sealed class CachePolicy
{
    /// <summary>Prefix of shared partitions, so a namespace can never read a client's own partition.</summary>
    public const string SharedPartitionPrefix = "shared:";

    private readonly ClientCacheSettings _defaults;
    private readonly FrozenDictionary<string, ClientCacheSettings> _clients;
    private readonly TimeSpan _maxTtl;

    public CachePolicy(IOptions<CacheOptions> options)
    {
        var o = options.Value;
        _maxTtl = o.MaxTtl;
        var sharedPartition = o.SharedNamespace is null ? null : SharedPartitionPrefix + o.SharedNamespace;
        _defaults = new ClientCacheSettings(true, o.DefaultTtl, o.AllowSeed, o.CacheToolCalls, o.CacheEmbeddings, sharedPartition);
        var clients = new Dictionary<string, ClientCacheSettings>(StringComparer.Ordinal);
        foreach (var (id, c) in o.Clients)
        {
            if (c is null)
            {
                continue;
            }

            clients[id] = new ClientCacheSettings(
                c.Enabled ?? true,
                c.DefaultTtl ?? o.DefaultTtl,
                c.AllowSeed ?? o.AllowSeed,
                c.CacheToolCalls ?? o.CacheToolCalls,
                c.CacheEmbeddings ?? o.CacheEmbeddings,
                c.SharedNamespace is null ? sharedPartition : SharedPartitionPrefix + c.SharedNamespace);
        }

        _clients = clients.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The cache plan of a request, or null when it is not cacheable. Reads headers only for cacheable requests.
    /// </summary>
    public CacheRequest? Plan(string clientId, OperationKind operation, in ParsedRequest parsed, string model, ReadOnlyMemory<byte> body,
        IHeaderDictionary headers)
    {
        if (!_clients.TryGetValue(clientId, out var settings))
        {
            settings = _defaults;
        }

        if (!settings.Enabled || !IsDeterministic(operation, parsed, settings))
        {
            return null;
        }

        var directives = CacheDirectives.Parse(headers);
        var ttl = directives.Ttl is { } requested ? (requested < _maxTtl ? requested : _maxTtl) : settings.DefaultTtl;
        return new CacheRequest(
            clientId,
            settings.Partition ?? clientId,
            operation,
            model,
            body,
            parsed.Stream,
            parsed.IncludeUsage,
            lookup: !directives.NoCache && !directives.NoStore,
            store: !directives.NoStore,
            ttl,
            maxAge: directives.Ttl,
            settings.CacheToolCalls);
    }

    private static bool IsDeterministic(OperationKind operation, in ParsedRequest parsed, ClientCacheSettings settings)
    {
        if (operation == OperationKind.Embeddings)
        {
            return settings.CacheEmbeddings;
        }

        if (operation != OperationKind.ChatCompletions)
        {
            // Responses creates are not cached (docs/cache.md says why).
            return false;
        }

        if (parsed.N is not (null or 1))
        {
            return false;
        }

        return parsed.Temperature == 0 || (parsed.Seed is not null && settings.AllowSeed);
    }
}

/// <summary>
/// The cache's plan for one cacheable request. Lives until the response completes; the key is computed once,
/// on first use, from the request body.
/// </summary>
public sealed class CacheRequest
{
    private readonly ReadOnlyMemory<byte> _body;
    private string? _key;

    internal CacheRequest(string clientId, string partition, OperationKind operation, string model, ReadOnlyMemory<byte> body, bool stream,
        bool includeUsage, bool lookup, bool store, TimeSpan ttl, TimeSpan? maxAge, bool cacheToolCalls)
    {
        ClientId = clientId;
        Partition = partition;
        Operation = operation;
        Model = model;
        _body = body;
        Stream = stream;
        IncludeUsage = includeUsage;
        Lookup = lookup;
        Store = store;
        Ttl = ttl;
        MaxAge = maxAge;
        CacheToolCalls = cacheToolCalls;
    }

    public string ClientId { get; }

    /// <summary>The Cosmos partition: the client id, or a shared namespace.</summary>
    public string Partition { get; }

    public OperationKind Operation { get; }

    /// <summary>The pool's logical model.</summary>
    public string Model { get; }

    /// <summary>The client asked for a stream: a hit is replayed as SSE.</summary>
    public bool Stream { get; }

    /// <summary>The client asked for <c>stream_options.include_usage</c>.</summary>
    public bool IncludeUsage { get; }

    /// <summary>False for <c>no-cache</c> and <c>no-store</c>.</summary>
    public bool Lookup { get; }

    /// <summary>False for <c>no-store</c>.</summary>
    public bool Store { get; }

    /// <summary>TTL of an entry stored for this request.</summary>
    public TimeSpan Ttl { get; }

    /// <summary>The oldest entry this request accepts (its TTL override), if it gave one.</summary>
    public TimeSpan? MaxAge { get; }

    internal bool CacheToolCalls { get; }

    /// <summary>The key hash (the item id).</summary>
    public string Key => _key ??= CacheKey.Compute(Operation, Model, _body.Span);

    /// <summary>The slot this request leads in <see cref="MissCoalescer"/>, freed once its answer is stored or will not be.</summary>
    internal string? CoalesceSlot { get; set; }

    /// <summary>The value of the <c>x-aoai-cache</c> header for an answer that did not come from the cache.</summary>
    public string MissStatus => Lookup || Store ? CacheStatus.Miss : CacheStatus.Bypass;
}
