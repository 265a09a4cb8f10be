namespace AspireAoai.Api.Routing;

/// <summary>Creates each deployment's authenticator; managed-identity deployments share one token cache.</summary>
public sealed class UpstreamAuthenticatorFactory(IServiceProvider services)
{
    internal IUpstreamAuthenticator Create(Routing.DeploymentOptions options)
        => options.ApiKey is { Length: > 0 } key
            ? new ApiKeyAuthenticator(key)
            : new ManagedIdentityAuthenticator(services.GetRequiredService<AccessTokenCache>());
}
