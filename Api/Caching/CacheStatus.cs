namespace AspireAoai.Api.Caching;

/// <summary>Values of the <c>x-aoai-cache</c> response header.</summary>
public static class CacheStatus
{
    /// <summary>Name of the response header that tells whether the cache answered.</summary>
    public const string HeaderName = "x-aoai-cache";

    /// <summary>Request header overriding the TTL, in seconds.</summary>
    public const string TtlHeaderName = "x-aoai-cache-ttl";

    /// <summary>Served from the cache.</summary>
    public const string Hit = "HIT";

    /// <summary>Cacheable, answered upstream (not found, expired, refreshed by <c>no-cache</c>, or the cache was unavailable).</summary>
    public const string Miss = "MISS";

    /// <summary>Cacheable, but the request said <c>no-store</c>: neither read nor written.</summary>
    public const string Bypass = "BYPASS";
}
