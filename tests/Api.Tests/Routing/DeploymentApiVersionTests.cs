using System.ClientModel;
using System.Net;
using System.Text.Json;
using AspireAoai.Api.Tests.Infrastructure;
using OpenAI;
using OpenAI.Chat;

namespace AspireAoai.Api.Tests.Routing;

/// <summary>
/// Per-deployment api-versions and the v1 surface: an OpenAI-style (<c>/v1</c>) call for an o-series model reaches a
/// deployment configured with the newer api-version it needs, or one called on <c>/openai/v1/</c>; the simulator
/// refuses older versions for these models as Azure does and records the version each request named.
/// </summary>
public sealed class DeploymentApiVersionTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _sim = await SimulatorHost.StartAsync("eastus",
            "--Simulator:Deployments:3:Name=o3-mini",
            "--Simulator:Deployments:3:MinApiVersion=2024-12-01-preview",
            "--Simulator:Deployments:4:Name=o4-mini-eu",
            "--Simulator:Deployments:4:Model=o4-mini-2025-04-16",
            "--Simulator:Deployments:4:MinApiVersion=2025-04-01-preview");
        _gateway = await GatewayHost.StartAsync(
        [
            new DeploymentSpec("eastus-o3-mini", _sim.BaseAddress, Deployment: "o3-mini", Model: "o3-mini"),
            new DeploymentSpec("eastus-o3-mini-legacy", _sim.BaseAddress, Deployment: "o3-mini", Model: "o3-mini-legacy"),
            new DeploymentSpec("eastus-o4-mini", _sim.BaseAddress, Deployment: "o4-mini-eu", Model: "o4-mini"),
        ],
        [
            "--Gateway:Deployments:0:ApiVersion=2025-04-01-preview",
            "--Gateway:Deployments:2:UseV1Api=true",
        ]);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _sim.DisposeAsync();
    }

    private static readonly ChatMessage[] Messages = [new UserChatMessage("reason about failover")];

    [Fact]
    public async Task AV1StyleCall_ForAnOSeriesModel_ReachesTheDeploymentWithItsNewerApiVersion()
    {
        var client = new OpenAIClient(new ApiKeyCredential(GatewayHost.ClientKey), new OpenAIClientOptions { Endpoint = new Uri(_gateway.BaseAddress, "v1") });
        var answer = await client.GetChatClient("o3-mini").CompleteChatAsync(Messages, new ChatCompletionOptions { MaxOutputTokenCount = 8 });
        Assert.False(string.IsNullOrEmpty(answer.Value.Content[0].Text));
        Assert.Equal(1, await ApiVersionCountAsync("o3-mini", "2025-04-01-preview"));

        // The same deployment without a per-deployment version gets the global one, which the model refuses upstream.
        using var legacy = await _gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody("o3-mini-legacy"));
        Assert.Equal(HttpStatusCode.BadRequest, legacy.StatusCode);
        Assert.Equal(1, await ApiVersionCountAsync("o3-mini", "2024-10-21"));
    }

    [Fact]
    public async Task ADeploymentOnTheV1Surface_IsCalledWithoutApiVersion_AndTheBodyNamesTheDeployment()
    {
        var client = new OpenAIClient(new ApiKeyCredential(GatewayHost.ClientKey), new OpenAIClientOptions { Endpoint = new Uri(_gateway.BaseAddress, "v1") });
        var answer = await client.GetChatClient("o4-mini").CompleteChatAsync(Messages, new ChatCompletionOptions { MaxOutputTokenCount = 8 });
        Assert.Equal("o4-mini-2025-04-16", answer.Value.Model);

        // An Azure-style call with an old api-version goes to the v1 surface too: the version is not sent.
        using var azure = await _gateway.Http.PostAsync("openai/deployments/o4-mini/chat/completions?api-version=2024-10-21", GatewayHost.ChatBody(model: null));
        Assert.Equal(HttpStatusCode.OK, azure.StatusCode);
        Assert.Equal(2, await ApiVersionCountAsync("o4-mini-eu", "v1"));
    }

    private async Task<long> ApiVersionCountAsync(string deployment, string apiVersion)
    {
        using var doc = JsonDocument.Parse(await _sim.Http.GetStringAsync("sim/stats"));
        return doc.RootElement.GetProperty("deployments").GetProperty(deployment).GetProperty("apiVersions").TryGetProperty(apiVersion, out var n)
            ? n.GetInt64()
            : 0;
    }
}
