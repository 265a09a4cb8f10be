namespace AspireAoai.Api.Auth.Entra;

/// <summary>
/// Entra ID (JWT) client authentication beside keys (<c>Gateway:EntraId</c>). Clients call keyless with an access token
/// for the gateway's app registration; a client entry is matched by <see cref="ClientEntraOptions"/>.
/// </summary>
public sealed class EntraIdOptions
{
    /// <summary>False (the default): Bearer values are gateway keys only.</summary>
    public bool Enabled { get; set; }

    /// <summary>The directory (tenant) id whose tokens are accepted; the token's <c>tid</c> must equal it.</summary>
    public string TenantId { get; set; } = "";

    /// <summary>The token audiences accepted: the gateway app registration's application id URI and/or client id.</summary>
    public IList<string> Audiences { get; set; } = new List<string>();

    /// <summary>
    /// The issuers accepted; empty = the tenant's v2.0 and v1.0 issuers under <see cref="Authority"/>
    /// (<c>https://login.microsoftonline.com/{tenant}/v2.0</c>, <c>https://sts.windows.net/{tenant}/</c>).
    /// </summary>
    public IList<string> Issuers { get; set; } = new List<string>();

    /// <summary>The Entra instance, e.g. <c>https://login.microsoftonline.com/</c> (sovereign clouds differ).</summary>
    public string Authority { get; set; } = "https://login.microsoftonline.com/";

    /// <summary>
    /// The OpenID Connect metadata document; empty = <c>{Authority}{TenantId}/v2.0/.well-known/openid-configuration</c>.
    /// The signing keys come from its <c>jwks_uri</c>, cached and refreshed (<see cref="MetadataRefreshInterval"/>, and at
    /// once, at most every <see cref="MetadataMinimumRefreshInterval"/>, when a token names a key not seen yet).
    /// </summary>
    public string? MetadataAddress { get; set; }

    /// <summary>True (the default): the metadata address must be https. Only the Development environment may turn it off.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>How often the metadata and signing keys are fetched again (default 12 h).</summary>
    public TimeSpan MetadataRefreshInterval { get; set; } = TimeSpan.FromHours(12);

    /// <summary>The shortest time between two fetches, a refresh for an unknown key included (default 5 min).</summary>
    public TimeSpan MetadataMinimumRefreshInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Clock skew allowed on <c>exp</c> and <c>nbf</c> (default 2 min).</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The metadata address in effect.</summary>
    internal string EffectiveMetadataAddress => string.IsNullOrWhiteSpace(MetadataAddress)
        ? $"{AuthorityWithSlash}{TenantId}/v2.0/.well-known/openid-configuration"
        : MetadataAddress;

    /// <summary>The issuers in effect.</summary>
    internal IReadOnlyList<string> EffectiveIssuers => Issuers.Count > 0
        ? [.. Issuers]
        : [$"{AuthorityWithSlash}{TenantId}/v2.0", $"https://sts.windows.net/{TenantId}/"];

    private string AuthorityWithSlash => Authority.EndsWith('/') ? Authority : Authority + "/";
}
