namespace AspireAoai.Api.Routing;

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
