namespace AspireAoai.Api.RateLimiting;

/// <summary>The rate-limit fields of one client (<c>Gateway:Clients:{i}</c>); the rest of the section belongs to Auth.</summary>
public sealed class ClientRateLimitOptions
{
    public string Id { get; set; } = "";

    public int? Rpm { get; set; }

    public int? Tpm { get; set; }

    public long? TokensPerDay { get; set; }

    public long? TokensPerMonth { get; set; }

    /// <summary>
    /// This client's Redis-unavailable policy; null = <c>Gateway:RateLimits:BudgetFailureMode</c> for a client with a
    /// budget, else <c>Gateway:RateLimits:FailureMode</c>.
    /// </summary>
    public RedisFailureMode? FailureMode { get; set; }
}
