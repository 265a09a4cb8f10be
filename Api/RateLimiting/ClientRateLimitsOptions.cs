namespace AspireAoai.Api.RateLimiting;

/// <summary>The clients' rate-limit fields (section <c>Gateway</c>, list <c>Clients</c>).</summary>
public sealed class ClientRateLimitsOptions
{
    public IList<ClientRateLimitOptions> Clients { get; set; } = new List<ClientRateLimitOptions>();
}
