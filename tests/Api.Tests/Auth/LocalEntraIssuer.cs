using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace AspireAoai.Api.Tests.Auth;

/// <summary>
/// A local stand-in for an Entra ID tenant: serves its OpenID Connect metadata and signing keys (JWKS) over loopback
/// HTTP, and mints access tokens signed with a locally generated RSA key. No internet, no real issuer.
/// </summary>
public sealed class LocalEntraIssuer : IAsyncDisposable
{
    public const string TenantId = "11111111-2222-3333-4444-555555555555";
    public const string Audience = "api://aspireaoai-gateway";

    private readonly WebApplication _app;
    private readonly List<RsaSecurityKey> _published = [];
    private int _jwksFetches;

    private LocalEntraIssuer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        SigningKey = NewKey("key-1");
        _published.Add(SigningKey);
    }

    public Uri BaseAddress { get; }

    /// <summary>The key tokens are signed with (published in the JWKS).</summary>
    public RsaSecurityKey SigningKey { get; private set; }

    /// <summary>The issuer a v2.0 token of this tenant carries.</summary>
    public string Issuer => new Uri(BaseAddress, $"{TenantId}/v2.0").ToString();

    public string MetadataAddress => new Uri(BaseAddress, $"{TenantId}/v2.0/.well-known/openid-configuration").ToString();

    /// <summary>How many times the signing keys were fetched.</summary>
    public int JwksFetches => Volatile.Read(ref _jwksFetches);

    /// <summary>Gateway arguments that accept this issuer's tokens (the gateway runs as Development: http metadata).</summary>
    public IEnumerable<string> GatewayArgs() =>
    [
        "--environment=Development",
        "--Gateway:EntraId:Enabled=true",
        $"--Gateway:EntraId:TenantId={TenantId}",
        $"--Gateway:EntraId:Audiences:0={Audience}",
        $"--Gateway:EntraId:Issuers:0={Issuer}",
        $"--Gateway:EntraId:MetadataAddress={MetadataAddress}",
        "--Gateway:EntraId:RequireHttpsMetadata=false",
        "--Gateway:EntraId:MetadataMinimumRefreshInterval=00:00:01",
    ];

    public static async Task<LocalEntraIssuer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls=http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"]);
        var app = builder.Build();
        LocalEntraIssuer? self = null;
        app.MapGet("/{tenant}/v2.0/.well-known/openid-configuration", (string tenant) => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = self!.Issuer,
            ["jwks_uri"] = new Uri(self.BaseAddress, $"{tenant}/discovery/v2.0/keys").ToString(),
            ["token_endpoint"] = new Uri(self.BaseAddress, $"{tenant}/oauth2/v2.0/token").ToString(),
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        }));
        app.MapGet("/{tenant}/discovery/v2.0/keys", () =>
        {
            Interlocked.Increment(ref self!._jwksFetches);
            return Results.Text(self.Jwks(), "application/json");
        });
        await app.StartAsync();
        self = new LocalEntraIssuer(app, new Uri(app.Urls.First().TrimEnd('/') + "/"));
        return self;
    }

    /// <summary>Starts signing with a new key (new kid), published beside the old one, as Entra rolls its keys.</summary>
    public void RollKey()
    {
        SigningKey = NewKey("key-" + (_published.Count + 1));
        lock (_published)
        {
            _published.Add(SigningKey);
        }
    }

    /// <summary>A v2.0 access token of an app (client credentials) with the given claims.</summary>
    public string Mint(string appId, string? objectId = null, string[]? roles = null, string? audience = null, string? issuer = null,
        string tenant = TenantId, TimeSpan? lifetime = null, SecurityKey? key = null, DateTime? notBefore = null)
    {
        var now = DateTime.UtcNow;
        var claims = new Dictionary<string, object>
        {
            ["azp"] = appId,
            ["oid"] = objectId ?? Guid.NewGuid().ToString(),
            ["tid"] = tenant,
            ["ver"] = "2.0",
        };
        if (roles is not null)
        {
            claims["roles"] = roles;
        }

        var life = lifetime ?? TimeSpan.FromHours(1);
        var start = notBefore ?? (life < TimeSpan.Zero ? now + life - TimeSpan.FromMinutes(10) : now.AddMinutes(-1));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience ?? Audience,
            IssuedAt = start,
            NotBefore = start,
            Expires = now + life,
            Claims = claims,
            SigningCredentials = new SigningCredentials(key ?? SigningKey, SecurityAlgorithms.RsaSha256),
        });
    }

    /// <summary>A key with the same kid as the published one but different material: a forgery.</summary>
    public RsaSecurityKey ForgedKey() => NewKey(SigningKey.KeyId);

    private string Jwks()
    {
        var keys = new List<object>();
        lock (_published)
        {
            foreach (var key in _published)
            {
                var p = key.Rsa.ExportParameters(false);
                keys.Add(new Dictionary<string, string>
                {
                    ["kty"] = "RSA",
                    ["use"] = "sig",
                    ["kid"] = key.KeyId,
                    ["alg"] = "RS256",
                    ["n"] = Base64UrlEncoder.Encode(p.Modulus),
                    ["e"] = Base64UrlEncoder.Encode(p.Exponent),
                });
            }
        }

        return JsonSerializer.Serialize(new { keys });
    }

    private static RsaSecurityKey NewKey(string kid) => new(RSA.Create(2048)) { KeyId = kid };

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
