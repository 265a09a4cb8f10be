namespace AspireAoai.Api.Auth;

/// <summary>One gateway client (<c>Gateway:Clients:{i}</c>).</summary>
public sealed class ClientOptions
{
    public string Id { get; set; } = "";

    /// <summary>
    /// Hash of the client's key, hex: HMAC-SHA256 keyed with <see cref="GatewayAuthOptions.KeyHashPepper"/>, or SHA-256
    /// when no pepper is configured. The key itself is never stored.
    /// </summary>
    public string KeyHash { get; set; } = "";

    /// <summary>
    /// How the client is recognised in an Entra ID access token (<c>Gateway:Clients:{i}:EntraId</c>): app ids, object ids or
    /// app roles; null = keys only. A client with matchers may leave <see cref="KeyHash"/> empty (keyless only).
    /// </summary>
    public Entra.ClientEntraOptions? EntraId { get; set; }

    /// <summary>Logical models (or deployment names) the client may call; empty means all.</summary>
    public IList<string> AllowedModels { get; set; } = new List<string>();

    /// <summary>Spend limits in USD (<c>Gateway:Clients:{i}:Budget</c>); null = no budget.</summary>
    public ClientBudgetOptions? Budget { get; set; }

    /// <summary>
    /// The id of a <c>Gateway:BudgetGroups</c> entry whose day/month budget this client shares with the group's other
    /// members; a request must fit both the client's own budget and the group's. Null = no group.
    /// </summary>
    public string? BudgetGroup { get; set; }

    /// <summary>
    /// Requests the client may have in flight at once on one replica; null = <c>Gateway:RateLimits:MaxConcurrentRequests</c>,
    /// 0 = no cap. More are refused with 429 before their bodies are read.
    /// </summary>
    public int? MaxConcurrentRequests { get; set; }
}
