using System.Collections.Frozen;
using System.Security.Claims;

namespace AspireAoai.Api.Auth.Entra;

/// <summary>
/// Finds the gateway client a validated Entra ID token belongs to: by its object id (<c>oid</c>), else its app id
/// (<c>azp</c>, or <c>appid</c> in v1.0 tokens), else the first of its app roles (<c>roles</c>) that a client lists.
/// Built once from <c>Gateway:Clients</c>; the validator makes every id and role name at most one client's.
/// </summary>
internal sealed class EntraClientMap
{
    private readonly FrozenDictionary<string, ClientContext> _byObjectId;
    private readonly FrozenDictionary<string, ClientContext> _byAppId;
    private readonly FrozenDictionary<string, ClientContext> _byRole;

    public EntraClientMap(IReadOnlyList<ClientContext> clients)
    {
        var objectIds = new Dictionary<string, ClientContext>(StringComparer.OrdinalIgnoreCase);
        var appIds = new Dictionary<string, ClientContext>(StringComparer.OrdinalIgnoreCase);
        var roles = new Dictionary<string, ClientContext>(StringComparer.Ordinal);
        foreach (var client in clients)
        {
            if (client.Options.EntraId is not { } entra)
            {
                continue;
            }

            foreach (var id in entra.ObjectIds) objectIds.TryAdd(id.Trim(), client);
            foreach (var id in entra.AppIds) appIds.TryAdd(id.Trim(), client);
            foreach (var role in entra.Roles) roles.TryAdd(role.Trim(), client);
        }

        _byObjectId = objectIds.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        _byAppId = appIds.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        _byRole = roles.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>True when no client can be reached with a token.</summary>
    public bool IsEmpty => _byObjectId.Count == 0 && _byAppId.Count == 0 && _byRole.Count == 0;

    /// <summary>The client of <paramref name="principal"/> (claims under their JWT names), or null when none is mapped.</summary>
    public ClientContext? Find(ClaimsPrincipal principal)
    {
        if (principal.FindFirst(EntraClaims.ObjectId)?.Value is { Length: > 0 } oid && _byObjectId.TryGetValue(oid, out var byOid))
        {
            return byOid;
        }

        var appId = principal.FindFirst(EntraClaims.AuthorizedParty)?.Value ?? principal.FindFirst(EntraClaims.AppId)?.Value;
        if (appId is { Length: > 0 } && _byAppId.TryGetValue(appId, out var byApp))
        {
            return byApp;
        }

        foreach (var role in principal.FindAll(EntraClaims.Roles))
        {
            if (_byRole.TryGetValue(role.Value, out var byRole))
            {
                return byRole;
            }
        }

        return null;
    }
}

/// <summary>The claim names the gateway reads (inbound claim mapping is off: these are the token's own names).</summary>
internal static class EntraClaims
{
    public const string ObjectId = "oid";
    public const string AuthorizedParty = "azp";
    public const string AppId = "appid";
    public const string Roles = "roles";
    public const string TenantId = "tid";
}
