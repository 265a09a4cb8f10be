namespace AspireAoai.Api.Caching;

/// <summary>One client's effective cache settings: its overrides over the defaults.</summary>
internal sealed record ClientCacheSettings(bool Enabled, TimeSpan DefaultTtl, bool AllowSeed, bool CacheToolCalls, bool CacheEmbeddings, string? Partition);
