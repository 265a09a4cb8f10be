namespace AspireAoai.Api.Caching;

/// <summary>The store answered with an unexpected status. The message carries the status only.</summary>
public sealed class CacheStoreException(string message) : Exception(message);
