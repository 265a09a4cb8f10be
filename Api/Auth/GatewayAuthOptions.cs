namespace AspireAoai.Api.Auth;

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
