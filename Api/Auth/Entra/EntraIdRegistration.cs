using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace AspireAoai.Api.Auth.Entra;

/// <summary>Registers the JwtBearer handler that validates Entra ID tokens, when <c>Gateway:EntraId:Enabled</c> is true.</summary>
internal static class EntraIdRegistration
{
    public static void AddEntraIdTokens(this IHostApplicationBuilder builder)
    {
        var entra = builder.Configuration.GetSection("Gateway:EntraId").Get<EntraIdOptions>() ?? new EntraIdOptions();
        if (!entra.Enabled)
        {
            return;
        }

        builder.Services.AddAuthentication().AddJwtBearer(EntraTokenAuthenticator.Scheme, _ => { });
        builder.Services.AddOptions<JwtBearerOptions>(EntraTokenAuthenticator.Scheme)
            .Configure<IOptions<GatewayAuthOptions>, TimeProvider>((jwt, gateway, time) => Configure(jwt, gateway.Value.EntraId, time));
        builder.Services.AddSingleton(static services =>
        {
            var keys = (KeyHashClientAuthenticator)services.GetRequiredService<IClientAuthenticator>();
            return new EntraClientMap(keys.Clients);
        });
        builder.Services.AddSingleton<EntraTokenAuthenticator>();
    }

    private static void Configure(JwtBearerOptions jwt, EntraIdOptions entra, TimeProvider time)
    {
        jwt.MetadataAddress = entra.EffectiveMetadataAddress;
        jwt.RequireHttpsMetadata = entra.RequireHttpsMetadata;
        jwt.RefreshInterval = entra.MetadataMinimumRefreshInterval;
        jwt.AutomaticRefreshInterval = entra.MetadataRefreshInterval;
        // A token signed with a key the cached set lacks (Entra rolled its keys) fetches the keys again, at most
        // once per RefreshInterval.
        jwt.RefreshOnIssuerKeyNotFound = true;
        // Claims keep their JWT names (oid, azp, roles), which the client map reads.
        jwt.MapInboundClaims = false;
        jwt.SaveToken = false;
        jwt.IncludeErrorDetails = false;
        jwt.TimeProvider = time;
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidIssuers = entra.EffectiveIssuers,
            ValidateAudience = true,
            ValidAudiences = [.. entra.Audiences],
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            ClockSkew = entra.ClockSkew,
        };
    }
}
