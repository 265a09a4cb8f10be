using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AspireAoai.Api.Forwarding;
using AspireAoai.Api.Tests.Infrastructure;

namespace AspireAoai.Api.Tests.Forwarding;

/// <summary>
/// A connect that times out while the deployment answers other requests (a burst of new connections filling its accept
/// queue, or a congested path) is not the deployment down: the request is tried again and the deployment stays healthy.
/// A connect that times out while the deployment says nothing still cools it. The slow connect is injected where it
/// happens in production: the upstream client's ConnectCallback, under the handler's own connect timeout.
/// </summary>
public sealed class ConnectBacklogTests
{
    private const string Only = "eastus-gpt-4o";

    /// <summary>Connects normally, except those whose number (1-based, counted across the gateway) is in <see cref="Hang"/>.</summary>
    private sealed class Connects
    {
        private int _count;
        public readonly HashSet<int> Hang = [];

        public int Count => Volatile.Read(ref _count);

        public async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
        {
            if (Hang.Contains(Interlocked.Increment(ref _count)))
            {
                // Never completes: the handler's connect timeout cancels it, as a SYN the upstream's full queue dropped.
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }

            return await PlainConnect.OpenAsync(context, cancellationToken);
        }
    }

    private static async Task<(SimulatorHost Simulator, GatewayHost Gateway)> StartAsync(Connects connects)
    {
        // Answers of max_tokens chunks, 100 ms apart: a stream of 40 holds its connection for 4 s.
        var simulator = await SimulatorHost.StartAsync("eastus", "--Simulator:Latency:ChunkIntervalMs=100", "--Simulator:Answer:UseMaxTokens=true");
        var gateway = await GatewayHost.StartAsync([new DeploymentSpec(Only, simulator.BaseAddress, Region: "eastus")],
            ["--Gateway:Warmup:Enabled=false", "--Gateway:Routing:DefaultCooldown=00:00:10"],
            builder => builder.Services.AddHttpClient(UpstreamForwarder.ClientName).ConfigurePrimaryHttpMessageHandler((handler, _) =>
            {
                var sockets = (SocketsHttpHandler)handler;
                sockets.ConnectCallback = connects.ConnectAsync;
                sockets.ConnectTimeout = TimeSpan.FromMilliseconds(2500);
            }));
        return (simulator, gateway);
    }

    private static async Task<JsonElement> StateAsync(GatewayHost gateway)
    {
        var doc = await gateway.Admin.GetFromJsonAsync<JsonElement>("admin/deployments");
        return doc.GetProperty("deployments").EnumerateArray().Single(d => d.GetProperty("name").GetString() == Only).Clone();
    }

    [Fact]
    public async Task AConnectTimeoutWhileTheDeploymentAnswersOthers_IsTriedAgain_AndDoesNotCoolIt()
    {
        var connects = new Connects { Hang = { 2 } };
        var (simulator, gateway) = await StartAsync(connects);
        await using var _ = simulator;
        await using var __ = gateway;

        // A: a stream of 4 s on the first connection whose first byte comes after 1 s, while B's connect hangs.
        await simulator.AddFaultAsync("slow", count: 1, delayMs: 1000, deployment: "gpt-4o");
        using var a = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = GatewayHost.ChatBody(stream: true, maxTokens: 40) };
        var streamA = gateway.Http.SendAsync(a, HttpCompletionOption.ResponseHeadersRead);
        await Task.Delay(300);
        // B needs a second connection: A holds the first until its stream ends. Its connect hangs until the 2.5 s timeout.
        using var b = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody(maxTokens: 3));

        Assert.Equal(HttpStatusCode.OK, b.StatusCode);
        Assert.Equal(Only, b.Headers.GetValues("x-aoai-deployment").Single());
        Assert.True(connects.Count >= 3, $"B connected again after the timed-out connect (connects: {connects.Count})");
        var state = await StateAsync(gateway);
        Assert.Equal("healthy", state.GetProperty("state").GetString());
        Assert.Equal(0, state.GetProperty("cooldowns").GetInt64());
        Assert.Equal(0, state.GetProperty("failures").GetInt64());

        using var responseA = await streamA;
        Assert.Equal(HttpStatusCode.OK, responseA.StatusCode);
        Assert.Contains("data: [DONE]", await responseA.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task AConnectTimeoutWhileTheDeploymentSaysNothing_StillCoolsIt()
    {
        var connects = new Connects { Hang = { 1 } };
        var (simulator, gateway) = await StartAsync(connects);
        await using var _ = simulator;
        await using var __ = gateway;

        using var response = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody(maxTokens: 3));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(1, connects.Count);
        var state = await StateAsync(gateway);
        Assert.Equal("cooling", state.GetProperty("state").GetString());
        Assert.Equal(1, state.GetProperty("cooldowns").GetInt64());
    }
}
