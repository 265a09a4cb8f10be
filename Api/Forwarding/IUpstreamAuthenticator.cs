namespace AspireAoai.Api.Forwarding;

/// <summary>Puts a deployment's credential on an upstream request.</summary>
public interface IUpstreamAuthenticator
{
    /// <summary><c>api-key</c> or <c>managed-identity</c>, for the admin endpoint.</summary>
    string Kind { get; }

    /// <summary>Adds the auth header. Usually completes synchronously (key, or cached token).</summary>
    ValueTask ApplyAsync(HttpRequestMessage request, CancellationToken cancellationToken);
}

/// <summary>The deployment's key in the <c>api-key</c> header.</summary>
internal sealed class ApiKeyAuthenticator(string apiKey) : IUpstreamAuthenticator
{
    public string Kind => "api-key";

    public ValueTask ApplyAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.TryAddWithoutValidation("api-key", apiKey);
        return ValueTask.CompletedTask;
    }
}

/// <summary>A Microsoft Entra token for Cognitive Services, from the shared cache.</summary>
internal sealed class ManagedIdentityAuthenticator(AccessTokenCache tokens) : IUpstreamAuthenticator
{
    public string Kind => "managed-identity";

    public ValueTask ApplyAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var pending = tokens.GetAuthorizationHeaderAsync(cancellationToken);
        if (pending.IsCompletedSuccessfully)
        {
            request.Headers.TryAddWithoutValidation("Authorization", pending.Result);
            return ValueTask.CompletedTask;
        }

        return AwaitAsync(pending, request);

        static async ValueTask AwaitAsync(ValueTask<string> pending, HttpRequestMessage request)
            => request.Headers.TryAddWithoutValidation("Authorization", await pending.ConfigureAwait(false));
    }
}

/// <summary>Creates each deployment's authenticator; managed-identity deployments share one token cache.</summary>
public sealed class UpstreamAuthenticatorFactory(IServiceProvider services)
{
    internal IUpstreamAuthenticator Create(Routing.DeploymentOptions options)
        => options.ApiKey is { Length: > 0 } key
            ? new ApiKeyAuthenticator(key)
            : new ManagedIdentityAuthenticator(services.GetRequiredService<AccessTokenCache>());
}
