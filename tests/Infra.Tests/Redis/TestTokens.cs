using System.Buffers.Text;
using System.Text;
using Azure.Core;

namespace AspireAoai.Infra.Tests.Redis;

/// <summary>JWT-shaped access tokens for tests (unsigned: Redis here checks them as ACL passwords, not as JWTs).</summary>
internal static class TestTokens
{
    public static string Jwt(string payloadJson) =>
        $"{Encode("""{"alg":"none","typ":"JWT"}""")}.{Encode(payloadJson)}.c2lnbmF0dXJl";

    public static string ForObjectId(string oid, string nonce = "") =>
        Jwt($$"""{"aud":"https://redis.azure.com","oid":"{{oid}}","nonce":"{{nonce}}","tid":"t"}""");

    private static string Encode(string text) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(text));
}

/// <summary>Hands out the given tokens in order (the last one repeats) and counts the requests.</summary>
internal sealed class QueuedCredential(params Func<AccessToken>[] tokens) : TokenCredential
{
    private int _next;

    public int Requests => Volatile.Read(ref _next);

    public List<string[]> Scopes { get; } = [];

    public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
    {
        lock (Scopes) Scopes.Add(requestContext.Scopes);
        var index = Interlocked.Increment(ref _next) - 1;
        return tokens[Math.Min(index, tokens.Length - 1)]();
    }

    public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken) =>
        ValueTask.FromResult(GetToken(requestContext, cancellationToken));
}
