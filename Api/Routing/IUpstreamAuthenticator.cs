namespace AspireAoai.Api.Routing;

/// <summary>Puts a deployment's credential on an upstream request.</summary>
public interface IUpstreamAuthenticator
{
    /// <summary><c>api-key</c> or <c>managed-identity</c>, for the admin endpoint.</summary>
    string Kind { get; }

    /// <summary>Adds the auth header. Usually completes synchronously (key, or cached token).</summary>
    ValueTask ApplyAsync(HttpRequestMessage request, CancellationToken cancellationToken);
}
