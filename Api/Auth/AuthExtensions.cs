using AspireAoai.Api.Auth.Entra;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Auth;

public static class AuthExtensions
{
    /// <summary>
    /// Client and admin keys from <c>Gateway:Clients</c> and <c>Gateway:AdminKeyHash</c>, and Entra ID tokens when
    /// <c>Gateway:EntraId:Enabled</c> is true.
    /// </summary>
    public static IHostApplicationBuilder AddGatewayAuth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<GatewayAuthOptions>().BindConfiguration("Gateway").ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<GatewayAuthOptions>, GatewayAuthOptionsValidator>();
        builder.Services.AddSingleton<IClientAuthenticator, KeyHashClientAuthenticator>();
        builder.AddEntraIdTokens();
        builder.Services.AddSingleton(static services => new ClientAuthentication(
            services.GetRequiredService<IClientAuthenticator>(), services.GetService<EntraTokenAuthenticator>()));
        return builder;
    }
}
