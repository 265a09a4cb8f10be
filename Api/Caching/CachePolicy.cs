using System.Collections.Frozen;
using AspireAoai.Api.Parsing;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Caching;

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
