namespace AspireAoai.Api.Auth;

/// <summary>One gateway client (<c>Gateway:Clients:{i}</c>).</summary>
public sealed class ClientOptions
{
    public string Id { get; set; } = "";

    /// <summary>SHA-256 of the client's key, hex. The key itself is never stored.</summary>
    public string KeyHash { get; set; } = "";

    /// <summary>Logical models (or deployment names) the client may call; empty means all.</summary>
    public IList<string> AllowedModels { get; set; } = new List<string>();
}

/// <summary>Client keys and the admin key (section <c>Gateway</c>).</summary>
public sealed class GatewayAuthOptions
{
    public IList<ClientOptions> Clients { get; set; } = new List<ClientOptions>();

    /// <summary>SHA-256 of the admin key, hex; absent disables the admin endpoints.</summary>
    public string? AdminKeyHash { get; set; }
}
