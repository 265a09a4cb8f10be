using System.ComponentModel.DataAnnotations;

namespace AspireAoai.ServiceDefaults.Cosmos;

/// <summary>Where the gateway's Cosmos DB data lives, bound from <c>Cosmos</c>.</summary>
public sealed class CosmosOptions
{
    public const string SectionName = "Cosmos";

    /// <summary>The partition key path of every container: data is always read and written per client.</summary>
    public const string PartitionKeyPath = "/clientId";

    /// <summary>Database name (<c>Cosmos:DatabaseName</c>).</summary>
    [Required, RegularExpression(@"^[^/\\?#]{1,255}$", ErrorMessage = "Cosmos:DatabaseName must be 1-255 characters without / \\ ? #.")]
    public string DatabaseName { get; set; } = "aoai";

    /// <summary>
    /// Create the database and containers at start (<c>Cosmos:CreateResources</c>). Turn off in Azure, where the
    /// infrastructure templates create them and the managed identity has data-plane rights only.
    /// </summary>
    public bool CreateResources { get; set; } = true;

    /// <summary>The response cache container (<c>Cosmos:CacheContainer</c>).</summary>
    [Required, RegularExpression(@"^[^/\\?#]{1,255}$", ErrorMessage = "Cosmos:CacheContainer must be 1-255 characters without / \\ ? #.")]
    public string CacheContainer { get; set; } = "cache";

    /// <summary>The cost records container (<c>Cosmos:CostsContainer</c>).</summary>
    [Required, RegularExpression(@"^[^/\\?#]{1,255}$", ErrorMessage = "Cosmos:CostsContainer must be 1-255 characters without / \\ ? #.")]
    public string CostsContainer { get; set; } = "costs";

    /// <summary>Timeout of the readiness check's read (<c>Cosmos:HealthCheckTimeout</c>).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00", ErrorMessage = "Cosmos:HealthCheckTimeout must be between 100 ms and 1 minute.")]
    public TimeSpan HealthCheckTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How long the initializer keeps retrying while the account is unreachable before it gives up and
    /// logs an error (<c>Cosmos:InitializationTimeout</c>). The app keeps running; readiness stays unhealthy.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Cosmos:InitializationTimeout must be between 1 second and 1 hour.")]
    public TimeSpan InitializationTimeout { get; set; } = TimeSpan.FromMinutes(5);
}
