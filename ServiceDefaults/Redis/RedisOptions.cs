using System.ComponentModel.DataAnnotations;

namespace AspireAoai.ServiceDefaults.Redis;

/// <summary>How the services talk to Redis, bound from <c>Redis</c>.</summary>
public sealed class RedisOptions
{
    public const string SectionName = "Redis";

    /// <summary>The scope of Entra ID tokens that Azure Managed Redis and Azure Cache for Redis accept.</summary>
    public const string DefaultTokenScope = "https://redis.azure.com/.default";

    /// <summary>
    /// Authenticate with an Entra ID token of the workload's identity instead of a password in the connection string
    /// (<c>Redis:UseEntraId</c>). The Azure deployment turns it on; local runs leave it off.
    /// </summary>
    public bool UseEntraId { get; set; }

    /// <summary>
    /// Scope of the token (<c>Redis:TokenScope</c>); only sovereign clouds need another value.
    /// </summary>
    [Required, Url(ErrorMessage = "Redis:TokenScope must be an absolute URL such as https://redis.azure.com/.default.")]
    public string TokenScope { get; set; } = DefaultTokenScope;

    /// <summary>
    /// Sync and async command timeout in milliseconds (<c>Redis:TimeoutMs</c>). The gateway asks Redis on every request,
    /// so a slow Redis must fail fast and let the caller apply its Redis-unavailable policy.
    /// </summary>
    [Range(50, 60_000, ErrorMessage = "Redis:TimeoutMs must be between 50 and 60000.")]
    public int TimeoutMs { get; set; } = 500;

    /// <summary>Connect timeout in milliseconds (<c>Redis:ConnectTimeoutMs</c>).</summary>
    [Range(100, 60_000, ErrorMessage = "Redis:ConnectTimeoutMs must be between 100 and 60000.")]
    public int ConnectTimeoutMs { get; set; } = 2_000;
}
