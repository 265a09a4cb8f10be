using System.Net;

namespace AspireAoai.Simulator.Tests.Auth;

public sealed class AuthTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;

    public async Task InitializeAsync() => _sim = await SimulatorHost.StartAsync(["Simulator:ApiKey=the-right-key"]);

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public async Task NoCredentials_Is401InAzureShape()
    {
        using var response = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("hi"), apiKey: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var error = (await Json.ReadAsync(response)).GetProperty("error");
        Assert.Equal("401", error.GetProperty("code").GetString());
        Assert.Contains("missing subscription key", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WrongApiKey_Is401_RightKeyIs200()
    {
        using var wrong = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("hi"), apiKey: "the-wrong-key");
        using var right = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("hi"), apiKey: "the-right-key");

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("invalid subscription key", (await Json.ReadAsync(wrong)).GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
    }

    [Fact]
    public async Task AnyBearerToken_IsAccepted_AsManagedIdentity()
    {
        using var response = await _sim.PostBearerAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("hi"), "any-entra-token");
        using var empty = await _sim.PostBearerAsync(SimulatorHost.EmbeddingsPath("text-embedding-3-large"), """{"input":"x"}""", " ");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, empty.StatusCode);
    }

    [Fact]
    public async Task AzureClientWithTheWrongKey_SeesA401ClientResultException()
    {
        var chat = _sim.AzureClient("nope").GetChatClient("gpt-4o");

        var error = await Assert.ThrowsAsync<System.ClientModel.ClientResultException>(() => chat.CompleteChatAsync("hi"));

        Assert.Equal(401, error.Status);
    }

    [Fact]
    public async Task WithoutAConfiguredKey_AnyApiKeyIsAccepted()
    {
        await using var open = await SimulatorHost.StartAsync();

        using var response = await open.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("hi"), apiKey: "whatever");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
