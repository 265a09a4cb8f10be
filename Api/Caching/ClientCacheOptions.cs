namespace AspireAoai.Api.Caching;

/// <summary>One client's cache settings; an unset value falls back to <see cref="CacheOptions"/>.</summary>
public sealed class ClientCacheOptions
{
    public bool? Enabled { get; set; }

    public TimeSpan? DefaultTtl { get; set; }

    /// <summary>The client's opt-in to caching seeded requests.</summary>
    public bool? AllowSeed { get; set; }

    public bool? CacheToolCalls { get; set; }

    public bool? CacheEmbeddings { get; set; }

    /// <summary>A shared partition for this client (clients naming the same one share entries).</summary>
    public string? SharedNamespace { get; set; }
}
