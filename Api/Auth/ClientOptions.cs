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

/// <summary>
/// A client's spend budget (<c>Gateway:Clients:{i}:Budget</c>), checked at admission against the running spend the
/// usage writer keeps in Redis. A budget without <see cref="DailyUsd"/> or <see cref="MonthlyUsd"/> limits nothing.
/// </summary>
public sealed class ClientBudgetOptions
{
    /// <summary>The most USD the client may spend per UTC day; null = no daily budget.</summary>
    public decimal? DailyUsd { get; set; }

    /// <summary>The most USD the client may spend per UTC calendar month; null = no monthly budget.</summary>
    public decimal? MonthlyUsd { get; set; }

    /// <summary>Share of a budget (1-100 %) at which a warning is logged and counted once per period.</summary>
    public int SoftLimitPercent { get; set; } = 80;

    /// <summary>True when some limit is set.</summary>
    public bool HasLimit => DailyUsd is not null || MonthlyUsd is not null;
}

/// <summary>Client keys and the admin key (section <c>Gateway</c>).</summary>
public sealed class GatewayAuthOptions
{
    public IList<ClientOptions> Clients { get; set; } = new List<ClientOptions>();

    /// <summary>Hash of the admin key, hex (as <see cref="ClientOptions.KeyHash"/>); absent disables the admin endpoints.</summary>
    public string? AdminKeyHash { get; set; }

    /// <summary>
    /// Secret that keys every key hash (HMAC-SHA256); empty = plain SHA-256 (local development). Set it from a secret
    /// store (a Container Apps secret or Key Vault reference, <c>Gateway__KeyHashPepper</c>), never next to the hashes.
    /// </summary>
    public string? KeyHashPepper { get; set; }

    /// <summary>Entra ID (JWT) client authentication beside keys (<c>Gateway:EntraId</c>); off by default.</summary>
    public Entra.EntraIdOptions EntraId { get; set; } = new();
}
