using AspireAoai.Api.Auth;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Tests.Auth;

public sealed class KeyHashClientAuthenticatorTests
{
    private static readonly KeyHashClientAuthenticator Authenticator = new(Options.Create(new GatewayAuthOptions
    {
        Clients =
        [
            new ClientOptions { Id = "alpha", KeyHash = KeyHasher.HashHex("alpha-key") },
            new ClientOptions { Id = "beta", KeyHash = KeyHasher.HashHex("beta-key").ToUpperInvariant(), AllowedModels = ["gpt-4o-mini"] },
        ],
        AdminKeyHash = KeyHasher.HashHex("admin-key"),
    }));

    private static HttpRequest Request(string header, string value)
    {
        var context = new DefaultHttpContext();
        context.Request.Headers[header] = value;
        return context.Request;
    }

    [Fact]
    public void ApiKeyHeader_FindsItsClient() => Assert.Equal("alpha", Authenticator.Authenticate(Request("api-key", "alpha-key"))?.Id);

    [Fact]
    public void BearerToken_FindsItsClient_HashCaseDoesNotMatter()
        => Assert.Equal("beta", Authenticator.Authenticate(Request("Authorization", "Bearer beta-key"))?.Id);

    [Theory]
    [InlineData("api-key", "wrong")]
    [InlineData("api-key", "")]
    [InlineData("Authorization", "Basic YWxwaGEta2V5")]
    [InlineData("Authorization", "Bearer ")]
    [InlineData("x-other", "alpha-key")]
    public void MissingOrWrongKey_FindsNobody(string header, string value) => Assert.Null(Authenticator.Authenticate(Request(header, value)));

    [Fact]
    public void OverlongKey_IsRejectedWithoutHashing() => Assert.Null(Authenticator.Authenticate(Request("api-key", new string('k', 10_000))));

    [Fact]
    public void AdminKey_IsNotAClientKey_AndAClientKeyIsNotAdmin()
    {
        Assert.True(Authenticator.IsAdmin(Request("api-key", "admin-key")));
        Assert.Null(Authenticator.Authenticate(Request("api-key", "admin-key")));
        Assert.False(Authenticator.IsAdmin(Request("api-key", "alpha-key")));
    }

    [Fact]
    public void AllowedModels_EmptyMeansAll_OtherwiseOnlyThoseListed()
    {
        var alpha = Authenticator.Authenticate(Request("api-key", "alpha-key"))!;
        var beta = Authenticator.Authenticate(Request("api-key", "beta-key"))!;

        Assert.True(alpha.MayUse("gpt-4o", "gpt-4o"));
        Assert.False(beta.MayUse("gpt-4o", "gpt-4o"));
        Assert.True(beta.MayUse("gpt-4o-mini", "my-mini-deployment"));
    }

    private static readonly Microsoft.Extensions.Hosting.Internal.HostingEnvironment Production = new() { EnvironmentName = "Production" };

    [Fact]
    public void Validator_NamesTheBadKey()
    {
        var result = new GatewayAuthOptionsValidator(Production).Validate(null, new GatewayAuthOptions
        {
            Clients = [new ClientOptions { Id = "x", KeyHash = "not-a-hash" }],
            AdminKeyHash = "short",
        });

        Assert.True(result.Failed);
        Assert.Contains("Gateway:Clients:0:KeyHash", result.FailureMessage);
        Assert.Contains("Gateway:AdminKeyHash", result.FailureMessage);
    }

    private const string Pepper = "a-pepper-of-at-least-thirty-two-characters";

    private static KeyHashClientAuthenticator Peppered(string hash) => new(Options.Create(new GatewayAuthOptions
    {
        Clients = [new ClientOptions { Id = "alpha", KeyHash = hash }],
        KeyHashPepper = Pepper,
    }));

    [Fact]
    public void WithAPepper_TheKeyMatchesItsHmac_AndNotItsPlainSha256()
    {
        Assert.Equal("alpha", Peppered(KeyHasher.HashHex("alpha-key", Pepper)).Authenticate(Request("api-key", "alpha-key"))?.Id);
        Assert.Null(Peppered(KeyHasher.HashHex("alpha-key")).Authenticate(Request("api-key", "alpha-key")));
        Assert.Null(Peppered(KeyHasher.HashHex("alpha-key", Pepper)).Authenticate(Request("api-key", "other-key")));
    }

    [Fact]
    public void PepperedHash_IsHmacSha256_AsOpensslPrintsIt()
    {
        // printf %s "The quick brown fox jumps over the lazy dog" | openssl dgst -sha256 -hmac key
        Assert.Equal("f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8",
            KeyHasher.HashHex("The quick brown fox jumps over the lazy dog", "key"));
        Assert.Equal(KeyHasher.HashHex("abc"), KeyHasher.HashHex("abc", pepper: null));
    }

    [Fact]
    public void AShortPepper_IsRefused()
    {
        var result = new GatewayAuthOptionsValidator(Production).Validate(null, new GatewayAuthOptions { KeyHashPepper = "short" });

        Assert.True(result.Failed);
        Assert.Contains("Gateway:KeyHashPepper", result.FailureMessage);
    }
}
