namespace AspireAoai.Api.Routing;

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
