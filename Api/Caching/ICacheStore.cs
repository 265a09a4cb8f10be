namespace AspireAoai.Api.Caching;

/// <summary>Where cache entries live. Implementations throw on failure; <see cref="ResponseCache"/> turns failures into misses.</summary>
public interface ICacheStore
{
    /// <summary>False until the store can be used (its container exists); lookups skip it meanwhile.</summary>
    bool IsReady { get; }

    /// <summary>The entry <paramref name="id"/> of <paramref name="partition"/>, or null when there is none.</summary>
    Task<CacheEntry?> ReadAsync(string partition, string id, CancellationToken cancellationToken);

    /// <summary>Creates or replaces the entry.</summary>
    Task WriteAsync(CacheEntry entry, CancellationToken cancellationToken);
}
