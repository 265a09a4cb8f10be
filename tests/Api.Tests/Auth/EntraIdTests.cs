using System.ClientModel;
using System.Net;
using System.Text.Json;
using AspireAoai.Api.Tests.Infrastructure;
using AspireAoai.Api.Tests.Integration;
using Azure.AI.OpenAI;
using Azure.Core;
using OpenAI.Chat;

namespace AspireAoai.Api.Tests.Auth;

/// <summary>
/// Keyless clients: Entra ID access tokens minted by a local issuer (OIDC metadata and JWKS over loopback) reach the
/// gateway as the client entry their app id, object id or role maps to; bad tokens get a 401 in the OpenAI shape.
/// </summary>
public sealed class EntraIdTests : IAsyncLifetime
{
    private const string AppId = "0b1c2d3e-0000-4000-8000-00000000a001";
    private const string RoleAppId = "0b1c2d3e-0000-4000-8000-00000000a002";
    private const string CallerRole = "Gateway.Caller";

    private LocalEntraIssuer _issuer = null!;
    private TwoRegions _regions = null!;

    public async Task InitializeAsync()
    {
        _issuer = await LocalEntraIssuer.StartAsync();
        _regions = await TwoRegions.StartAsync(
        [
            .. _issuer.GatewayArgs(),
            // keyless: by app id, may call gpt-4o only; roles: by app role, may call gpt-4o-mini only.
            "--Gateway:Clients:2:Id=keyless",
            $"--Gateway:Clients:2:EntraId:AppIds:0={AppId}",
            "--Gateway:Clients:2:AllowedModels:0=gpt-4o",
            "--Gateway:Clients:3:Id=by-role",
            $"--Gateway:Clients:3:EntraId:Roles:0={CallerRole}",
            "--Gateway:Clients:3:AllowedModels:0=gpt-4o-mini",
        ]);
    }

    public async Task DisposeAsync()
    {
        await _regions.DisposeAsync();
        await _issuer.DisposeAsync();
    }

    private static readonly ChatMessage[] Messages = [new UserChatMessage("keyless hello")];

    [Fact]
    public async Task AzureOpenAIClient_WithATokenCredential_ReachesTheGatewayAsItsMappedClient()
    {
        // The DefaultAzureCredential path: the SDK asks the credential for a token and sends it as a Bearer value.
        var credential = new MintedTokenCredential(_issuer.Mint(AppId));
        var client = new AzureOpenAIClient(_regions.Gateway.BaseAddress, credential,
            // Azure.AI.OpenAI 2.1 uses the audience as the token scope as it is: name the gateway's app registration.
            new AzureOpenAIClientOptions { Audience = new AzureOpenAIAudience(LocalEntraIssuer.Audience + "/.default") });

        var answer = await client.GetChatClient("gpt-4o").CompleteChatAsync(Messages, new ChatCompletionOptions { MaxOutputTokenCount = 8 });
        Assert.False(string.IsNullOrEmpty(answer.Value.Content[0].Text));
        Assert.True(credential.Calls > 0);
        Assert.Contains(LocalEntraIssuer.Audience + "/.default", credential.Scopes);

        // The mapped client's own settings apply: it may not use gpt-4o-mini.
        var refused = await Assert.ThrowsAsync<ClientResultException>(() =>
            client.GetChatClient("gpt-4o-mini").CompleteChatAsync(Messages, new ChatCompletionOptions { MaxOutputTokenCount = 8 }));
        Assert.Equal(403, refused.Status);
    }

    [Fact]
    public async Task AppRole_MapsATokenToItsClient()
    {
        var token = _issuer.Mint(RoleAppId, roles: ["Other.Role", CallerRole]);
        var (status, _) = await SendAsync(token, "gpt-4o-mini");
        Assert.Equal(HttpStatusCode.OK, status);
        var (refused, error) = await SendAsync(token, "gpt-4o");
        Assert.Equal(HttpStatusCode.Forbidden, refused);
        Assert.Equal("model_not_allowed", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task NpmOpenAiClient_WithATokenProvider_ReachesTheGatewayKeyless()
    {
        var folder = NpmClientTests.NpmFolder();
        var output = await NpmClientTests.RunProcessAsync("node",
            ["keyless.mjs", new Uri(_regions.Gateway.BaseAddress, "openai/v1/").ToString(), _issuer.Mint(AppId), "gpt-4o"], folder, TimeSpan.FromSeconds(60));
        var result = JsonDocument.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last()).RootElement;
        Assert.Equal(200, result.GetProperty("status").GetInt32());
        Assert.True(result.GetProperty("tokenProviderCalled").GetBoolean());
        Assert.False(string.IsNullOrEmpty(result.GetProperty("content").GetString()));
    }

    public static TheoryData<string> BadTokens => ["forged", "expired", "wrong_audience", "wrong_issuer", "wrong_tenant", "unmapped", "not_yet_valid"];

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task BadTokens_Get401_InTheOpenAiShape_WithAClearMessage(string kind)
    {
        var (token, code) = kind switch
        {
            "forged" => (_issuer.Mint(AppId, key: _issuer.ForgedKey()), "invalid_signature"),
            "expired" => (_issuer.Mint(AppId, lifetime: TimeSpan.FromMinutes(-10)), "token_expired"),
            "wrong_audience" => (_issuer.Mint(AppId, audience: "api://someone-else"), "invalid_audience"),
            "wrong_issuer" => (_issuer.Mint(AppId, issuer: "https://login.microsoftonline.com/99999999-2222-3333-4444-555555555555/v2.0"), "invalid_issuer"),
            "wrong_tenant" => (_issuer.Mint(AppId, tenant: "99999999-2222-3333-4444-555555555555"), "invalid_tenant"),
            "unmapped" => (_issuer.Mint("0b1c2d3e-0000-4000-8000-0000000000ff"), "client_not_mapped"),
            _ => (_issuer.Mint(AppId, notBefore: DateTime.UtcNow.AddHours(1)), "token_not_yet_valid"),
        };

        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = GatewayHost.ChatBody() };
        request.Headers.Authorization = new("Bearer", token);
        using var http = new HttpClient { BaseAddress = _regions.Gateway.BaseAddress };
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.DoesNotContain(token, error.GetProperty("message").GetString());
        Assert.True(response.Headers.Contains("x-request-id"));
    }

    [Fact]
    public async Task ATokenSignedWithANewKey_FetchesTheSigningKeysAgain()
    {
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(_issuer.Mint(AppId), "gpt-4o")).Status);
        var fetches = _issuer.JwksFetches;
        await Task.Delay(TimeSpan.FromSeconds(1.2)); // past Gateway:EntraId:MetadataMinimumRefreshInterval
        _issuer.RollKey();

        // Microsoft.IdentityModel refreshes in the background: the request that met the unknown key id starts the fetch and
        // may itself be refused; the new key is accepted as soon as the fetch is done.
        var token = _issuer.Mint(AppId);
        var status = HttpStatusCode.Unauthorized;
        for (var i = 0; i < 50 && status != HttpStatusCode.OK; i++)
        {
            status = (await SendAsync(token, "gpt-4o")).Status;
            if (status != HttpStatusCode.OK) await Task.Delay(100);
        }

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(_issuer.JwksFetches > fetches);
    }

    [Fact]
    public async Task GatewayKeys_StillWork_WithEntraIdEnabled()
    {
        using var response = await _regions.Gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var bearer = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = GatewayHost.ChatBody() };
        bearer.Headers.Authorization = new("Bearer", GatewayHost.ClientKey);
        using var http = new HttpClient { BaseAddress = _regions.Gateway.BaseAddress };
        Assert.Equal(HttpStatusCode.OK, (await http.SendAsync(bearer)).StatusCode);
    }

    [Fact]
    public async Task AKeylessCaller_UsesTheResponsesFollowUpsAndTheModelRoutes_AsItsMappedClient()
    {
        using var http = new HttpClient { BaseAddress = _regions.Gateway.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new("Bearer", _issuer.Mint(AppId));
        using var created = await http.PostAsync("v1/responses",
            new StringContent("""{"model":"gpt-4o","input":"hello"}""", System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString();

        using var fetched = await http.GetAsync($"v1/responses/{id}");
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        Assert.Single(fetched.Headers.GetValues("x-aoai-request-id"));

        using var model = await http.GetAsync("v1/models/gpt-4o");
        Assert.Equal(HttpStatusCode.OK, model.StatusCode);
    }

    private async Task<(HttpStatusCode Status, JsonElement Error)> SendAsync(string token, string model)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = GatewayHost.ChatBody(model) };
        request.Headers.Authorization = new("Bearer", token);
        using var http = new HttpClient { BaseAddress = _regions.Gateway.BaseAddress };
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, response.IsSuccessStatusCode ? default : JsonDocument.Parse(body).RootElement.GetProperty("error").Clone());
    }

    /// <summary>A TokenCredential that hands out a minted token, as DefaultAzureCredential would hand out Entra's.</summary>
    private sealed class MintedTokenCredential(string token) : TokenCredential
    {
        public int Calls;

        public System.Collections.Concurrent.ConcurrentBag<string> Scopes { get; } = [];

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref Calls);
            foreach (var scope in requestContext.Scopes) Scopes.Add(scope);
            return new AccessToken(token, DateTimeOffset.UtcNow.AddHours(1));
        }

        public override ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
            => new(GetToken(requestContext, cancellationToken));
    }
}
