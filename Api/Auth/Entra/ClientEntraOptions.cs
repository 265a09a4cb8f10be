namespace AspireAoai.Api.Auth.Entra;

/// <summary>
/// How a client entry is recognised in an Entra ID token (<c>Gateway:Clients:{i}:EntraId</c>). Any one match is enough; an
/// object id is checked first, then the app id, then app roles.
/// </summary>
public sealed class ClientEntraOptions
{
    /// <summary>Application (client) ids: the token's <c>azp</c> (v2.0) or <c>appid</c> (v1.0) claim.</summary>
    public IList<string> AppIds { get; set; } = new List<string>();

    /// <summary>Object ids of service principals, managed identities or users: the token's <c>oid</c> claim.</summary>
    public IList<string> ObjectIds { get; set; } = new List<string>();

    /// <summary>App roles of the gateway's app registration: any value of the token's <c>roles</c> claim.</summary>
    public IList<string> Roles { get; set; } = new List<string>();

    /// <summary>True when some matcher is set.</summary>
    public bool HasMatcher => AppIds.Count > 0 || ObjectIds.Count > 0 || Roles.Count > 0;
}
