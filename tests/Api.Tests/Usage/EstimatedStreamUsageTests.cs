using System.ClientModel;
using System.Globalization;
using System.Text.Json;
using AspireAoai.Accounting.Usage;
using AspireAoai.Api.Budgets;
using AspireAoai.Api.RateLimiting;
using AspireAoai.Api.Tests.Infrastructure;
using AspireAoai.Api.Tests.Integration;
using AspireAoai.TestSupport;
using OpenAI;
using OpenAI.Chat;
using StackExchange.Redis;

namespace AspireAoai.Api.Tests.Usage;

/// <summary>
/// Streams that end without a usage chunk are still charged: the prompt as admission counts it plus the completion
/// tokens of what was relayed, marked as estimated, within 2% of what the simulator generated (its own exact counts,
/// <c>GET /sim/stats</c>), never 0. The three ways a stream loses its usage chunk: an api-version older than
/// <c>stream_options</c>, a client that leaves after the first chunk, an upstream that breaks off mid-stream.
/// Real SDKs as callers (the npm <c>openai</c> package, whose abort closes the connection, and the .NET OpenAI SDK), a real Redis, the simulator with a per-token latency (so a stream takes time, as Azure's do).
/// </summary>
public sealed class EstimatedStreamUsageTests : IAsyncLifetime
{
    private const int Streams = 5;
    private const string Deployment = "gpt-4o";

    private RedisServer _redis = null!;
    private SimulatorHost _sim = null!;
    private ConnectionMultiplexer _mux = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _sim = await SimulatorHost.StartAsync("eastus", "--Simulator:Latency:PerTokenMs=15");
        _mux = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _mux.DisposeAsync();
        await _sim.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private static ChatMessage[] Messages(int i) =>
    [
        new SystemChatMessage("You are a careful assistant that answers briefly."),
        new UserChatMessage($"Stream number {i}: tell me something about accounting for streamed answers"),
    ];

    private static ChatCompletionOptions Options => new() { MaxOutputTokenCount = 40 };

    private async Task<GatewayHost> StartGatewayAsync()
    {
        var gateway = await GatewayHost.StartAsync([new DeploymentSpec("eastus-gpt-4o", _sim.BaseAddress, Region: "eastus")],
            [$"--ConnectionStrings:redis={_redis.ConnectionString}", "--Gateway:Clients:0:Tpm=1000000"]);
        return await gateway.WithRateLimiterConnectedAsync();
    }

    [Fact]
    public async Task OldApiVersion_StreamsReadToTheEnd_AreChargedTheirEstimate_WithinTwoPercentOfWhatWasGenerated()
    {
        await using var gateway = await StartGatewayAsync();
        var results = await RunNpmStreamsAsync(gateway, "2024-06-01", "full");
        Assert.All(results.EnumerateArray(), r =>
        {
            Assert.True(r.GetProperty("contentLength").GetInt32() > 0);
            Assert.Equal(JsonValueKind.Null, r.GetProperty("usage").ValueKind);
        });

        var events = await new UsageStreamProbe(_mux.GetDatabase()).WaitForAsync(Streams);
        Assert.All(events, e => Assert.Equal(200, e.Status));
        await AssertEstimatedWithinTwoPercentAsync(events);
    }

    [Fact]
    public async Task AClientThatClosesAfterTheFirstChunk_IsCharged_AndKeepsItsRateLimitCharge()
    {
        await using var gateway = await StartGatewayAsync();
        var results = await RunNpmStreamsAsync(gateway, "2024-10-21", "leave");
        Assert.All(results.EnumerateArray(), r => Assert.True(r.GetProperty("aborted").GetBoolean()));

        var events = await new UsageStreamProbe(_mux.GetDatabase()).WaitForAsync(Streams);
        Assert.All(events, e => Assert.Equal(499, e.Status));
        await AssertEstimatedWithinTwoPercentAsync(events);

        // The rate-limit charge settles to the estimate instead of being refunded.
        var expected = events.Sum(e => e.InputTokens + e.OutputTokens);
        var db = _mux.GetDatabase();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        long charged;
        do
        {
            await Task.Delay(100);
            charged = (long)await db.HashGetAsync("aoai:rl:client:test", "tt");
        }
        while (charged != expected && DateTime.UtcNow < deadline);

        Assert.Equal(expected, charged);
    }

    [Fact]
    public async Task AClientThatLeavesBeforeTheAnswerStarts_KeepsItsAdmissionCharge()
    {
        await using var gateway = await StartGatewayAsync();
        await _sim.AddFaultAsync("slow", count: 1, delayMs: 3000, deployment: Deployment);
        const string body = """{"model":"gpt-4o","messages":[{"role":"user","content":"I will not wait for this"}],"max_tokens":40,"stream":true}""";
        using (var leave = new CancellationTokenSource(TimeSpan.FromMilliseconds(500)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => gateway.Http.PostAsync("v1/chat/completions", GatewayHost.Json(body), leave.Token));
        }

        var usage = Assert.Single(await new UsageStreamProbe(_mux.GetDatabase()).WaitForAsync(1, TimeSpan.FromSeconds(20)));
        Assert.Equal(499, usage.Status);

        // Nothing was generated that the gateway could count, so the admission estimate stands instead of a refund.
        var estimate = gateway.Services.GetRequiredService<TokenEstimator>().Estimate(
            AspireAoai.Api.Parsing.OperationKind.ChatCompletions, "gpt-4o", System.Text.Encoding.UTF8.GetBytes(body), 40, null);
        var db = _mux.GetDatabase();
        await Task.Delay(500); // a refund would be flushed within 50 ms
        Assert.Equal(estimate, (long)await db.HashGetAsync("aoai:rl:client:test", "tt"));
    }

    /// <summary>The npm <c>openai</c> package's AzureOpenAI client streaming <see cref="Streams"/> chats (tests/Api.Tests/npm/streams.mjs).</summary>
    private static async Task<JsonElement> RunNpmStreamsAsync(GatewayHost gateway, string apiVersion, string mode)
    {
        var folder = NpmClientTests.NpmFolder();
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "openai")))
        {
            await NpmClientTests.RunProcessAsync("npm", ["ci", "--no-audit", "--no-fund"], folder, TimeSpan.FromMinutes(3));
        }

        var output = await NpmClientTests.RunProcessAsync("node",
            ["streams.mjs", gateway.BaseAddress.ToString(), GatewayHost.ClientKey, Deployment, apiVersion, Streams.ToString(CultureInfo.InvariantCulture), mode],
            folder, TimeSpan.FromSeconds(60));
        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
        var results = JsonDocument.Parse(line).RootElement.Clone();
        Assert.Equal(Streams, results.GetArrayLength());
        return results;
    }

    [Fact]
    public async Task AnUpstreamThatBreaksOffMidStream_IsCharged_ForWhatItSent()
    {
        await using var gateway = await StartGatewayAsync();
        await _sim.AddFaultAsync("cut", count: Streams, deployment: Deployment);
        var client = new OpenAIClient(new ApiKeyCredential(GatewayHost.ClientKey),
            new OpenAIClientOptions { Endpoint = new Uri(gateway.BaseAddress, "v1") }).GetChatClient(Deployment);

        for (var i = 0; i < Streams; i++)
        {
            var chunks = 0;
            var broken = await Record.ExceptionAsync(async () =>
            {
                await foreach (var update in client.CompleteChatStreamingAsync(Messages(i), Options))
                {
                    chunks++;
                }
            });
            Assert.NotNull(broken);
            Assert.True(chunks > 0, "the stream broke before its first chunk");
        }

        var events = await new UsageStreamProbe(_mux.GetDatabase()).WaitForAsync(Streams);
        Assert.All(events, e => Assert.Equal(502, e.Status));
        await AssertEstimatedWithinTwoPercentAsync(events);
    }

    /// <summary>Every event estimated and non-zero; the totals within 2% of what the simulator generated; each priced.</summary>
    private async Task AssertEstimatedWithinTwoPercentAsync(List<UsageEvent> events)
    {
        Assert.All(events, e =>
        {
            Assert.True(e.Estimated, "the event is not marked as estimated");
            Assert.True(e.Streamed);
            Assert.True(e.InputTokens > 0, "no input tokens");
            Assert.True(e.OutputTokens > 0, "no output tokens");
            Assert.Equal("gpt-4o", e.PricedModel);
        });

        var (prompt, completion) = await _sim.GeneratedTokensAsync(Deployment);
        var generated = prompt + completion;
        var charged = events.Sum(e => e.InputTokens + e.OutputTokens);
        Assert.True(completion > 0, "the simulator generated nothing");
        Assert.True(Math.Abs(charged - generated) <= generated * 0.02,
            $"charged {charged} tokens ({events.Sum(e => e.InputTokens)} in, {events.Sum(e => e.OutputTokens)} out); the simulator generated {generated} ({prompt} in, {completion} out)");

        // The spend a budget is checked against moved with it.
        var spend = (long)await _mux.GetDatabase().StringGetAsync(SpendKeys.Day("test", DateTime.UtcNow));
        Assert.True(spend > 0, "the client's spend counter did not move");
    }
}
