using AspireAoai.Api.Parsing;

namespace AspireAoai.Api.Caching;

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
