using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using AspireAoai.Accounting.Pricing;
using AspireAoai.Accounting.Usage;
using AspireAoai.Api.Budgets;
using AspireAoai.Api.Tests.Infrastructure;
using AspireAoai.Api.Usage;
using AspireAoai.TestSupport;
using StackExchange.Redis;

namespace AspireAoai.Api.Tests.Usage;

/// <summary>
/// Exact accounting through the whole gateway: the simulator (or a held upstream) in-process, a real Redis for the usage
/// stream, real HTTP clients. Every request gets exactly one usage event, with the tokens the upstream reported.
/// </summary>
public sealed class UsageAccountingTests : IAsyncLifetime
{
    private const string ChatPath = "v1/chat/completions";

    private RedisServer _redis = null!;
    private SimulatorHost _sim = null!;
    private ConnectionMultiplexer _mux = null!;

    private UsageStreamProbe Usage => new(_mux.GetDatabase());

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _sim = await SimulatorHost.StartAsync("eastus");
        _mux = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _mux.DisposeAsync();
        await _sim.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private Task<GatewayHost> StartGatewayAsync(IEnumerable<DeploymentSpec>? deployments = null, params string[] args)
        => GatewayHost.StartAsync(deployments ?? [new DeploymentSpec("eastus-gpt-4o", _sim.BaseAddress, Region: "eastus")],
            [$"--ConnectionStrings:redis={_redis.ConnectionString}", .. args]);

    private static string StreamBody(string text, string? streamOptions = null)
        => $$"""{"model":"gpt-4o","messages":[{"role":"user","content":"{{text}}"}],"max_tokens":24,"stream":true{{(streamOptions is null ? "" : ",\"stream_options\":" + streamOptions)}}}""";

    /// <summary>The usage the simulator reports for a streamed body, asked directly with include_usage.</summary>
    private async Task<(long In, long Out)> SimulatorUsageAsync(string text)
    {
        var body = StreamBody(text, "{\"include_usage\":true}").Replace("\"model\":\"gpt-4o\",", "", StringComparison.Ordinal);
        using var request = new HttpRequestMessage(HttpMethod.Post, "openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("api-key", "sim-key");
        using var response = await _sim.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var usage = UsageChunks(await response.Content.ReadAsStringAsync()).Single();
        return (usage.GetProperty("prompt_tokens").GetInt64(), usage.GetProperty("completion_tokens").GetInt64());
    }

    /// <summary>The usage objects of every SSE event that is a usage chunk (empty choices, a usage object).</summary>
    private static List<JsonElement> UsageChunks(string sse)
    {
        var chunks = new List<JsonElement>();
        foreach (var line in sse.Split('\n'))
        {
            if (!line.StartsWith("data: {", StringComparison.Ordinal))
            {
                continue;
            }

            var root = JsonDocument.Parse(line[6..]).RootElement;
            if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object
                && root.GetProperty("choices").GetArrayLength() == 0)
            {
                chunks.Add(usage.Clone());
            }
        }

        return chunks;
    }

    private static decimal PriceOf(GatewayHost gateway, string model, long input, long output)
    {
        var table = gateway.Services.GetRequiredService<IPriceTable>();
        Assert.True(table.TryGetPrice(model, DateTimeOffset.UtcNow, out _, out var price));
        return CostCalculator.Calculate(price, input, 0, output);
    }

    [Fact]
    public async Task StreamWithoutIncludeUsage_ClientSeesNoUsageChunk_AndTheEventHasTheExactTokens()
    {
        await using var gateway = await StartGatewayAsync();
        const string text = "Tell me about streams without usage";
        var expected = await SimulatorUsageAsync(text);

        using var response = await gateway.Http.PostAsync(ChatPath, GatewayHost.Json(StreamBody(text)));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var sse = await response.Content.ReadAsStringAsync();

        Assert.Empty(UsageChunks(sse));
        Assert.Contains("\"delta\":{\"content\":", sse, StringComparison.Ordinal);
        Assert.EndsWith("data: [DONE]\n\n", sse, StringComparison.Ordinal);
        Assert.Contains("finish_reason\":\"", sse, StringComparison.Ordinal);

        var usage = Assert.Single(await Usage.WaitForAsync(1));
        Assert.Equal(expected.In, usage.InputTokens);
        Assert.Equal(expected.Out, usage.OutputTokens);
        Assert.True(usage.Streamed);
        Assert.Equal(200, usage.Status);
        Assert.Equal("eastus-gpt-4o", usage.Deployment);
        Assert.Equal(response.Headers.GetValues("x-aoai-request-id").Single(), usage.RequestId);

        // A stream's cost is never a header (it is not known when the headers go) and the SSE stream is not altered
        // beyond the hidden chunk; HTTP/1.1 in Kestrel carries no trailers (see the HTTP/2 test below).
        Assert.False(response.Headers.Contains(CostHeaders.Cost));
        Assert.False(response.TrailingHeaders.Contains(CostHeaders.Cost));
    }

    [Fact]
    public async Task OverHttp2_AStreamsCost_IsATrailer_EqualToTheCostCalculatorOfItsExactUsage()
    {
        await using var gateway = await StartGatewayAsync(args: ["--Kestrel:EndpointDefaults:Protocols=Http2"]);
        const string text = "Trailers over h2c";
        var expected = await SimulatorUsageAsync(text);
        using var client = new HttpClient
        {
            BaseAddress = gateway.BaseAddress,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        client.DefaultRequestHeaders.Add("api-key", GatewayHost.ClientKey);

        using var response = await client.PostAsync(ChatPath, GatewayHost.Json(StreamBody(text)));
        var sse = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpVersion.Version20, response.Version);
        Assert.Empty(UsageChunks(sse));
        Assert.True(response.TrailingHeaders.TryGetValues(CostHeaders.Cost, out var trailer), "no cost trailer");
        Assert.Equal(PriceOf(gateway, "gpt-4o", expected.In, expected.Out), decimal.Parse(trailer.Single(), CultureInfo.InvariantCulture));
        var usage = Assert.Single(await Usage.WaitForAsync(1));
        Assert.Equal((expected.In, expected.Out), (usage.InputTokens, usage.OutputTokens));
    }

    /// <summary>A client that closes its connection when it stops reading (no draining of the rest for reuse).</summary>
    private static HttpClient LeavingClient(GatewayHost gateway)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = gateway.BaseAddress };
        client.DefaultRequestHeaders.Add("api-key", GatewayHost.ClientKey);
        return client;
    }

    [Theory]
    [InlineData("{\"include_usage\":true}")]
    [InlineData(null)]
    [InlineData("{\"include_usage\":false}")]
    public async Task UsageChunk_ReachesOnlyClientsThatAskedForIt_AndEveryEventIsExact(string? streamOptions)
    {
        await using var gateway = await StartGatewayAsync();
        const string text = "Count my tokens please";
        var expected = await SimulatorUsageAsync(text);

        using var response = await gateway.Http.PostAsync(ChatPath, GatewayHost.Json(StreamBody(text, streamOptions)));
        var sse = await response.Content.ReadAsStringAsync();

        var chunks = UsageChunks(sse);
        if (streamOptions == "{\"include_usage\":true}")
        {
            var chunk = Assert.Single(chunks);
            Assert.Equal(expected.In, chunk.GetProperty("prompt_tokens").GetInt64());
            Assert.Equal(expected.Out, chunk.GetProperty("completion_tokens").GetInt64());
        }
        else
        {
            Assert.Empty(chunks);
        }

        var usage = Assert.Single(await Usage.WaitForAsync(1));
        Assert.Equal((expected.In, expected.Out), (usage.InputTokens, usage.OutputTokens));
    }

    [Fact]
    public async Task StreamWithoutIncludeUsage_FailsOverBeforeTheFirstByte_AndStillCountsExactly()
    {
        await using var secondary = await SimulatorHost.StartAsync("westus");
        await using var gateway = await StartGatewayAsync(
        [
            new DeploymentSpec("eastus-gpt-4o", _sim.BaseAddress, Priority: 1, Region: "eastus"),
            new DeploymentSpec("westus-gpt-4o", secondary.BaseAddress, Priority: 2, Region: "westus"),
        ]);
        const string text = "Fail over and count";
        var expected = await SimulatorUsageAsync(text);
        await _sim.AddFaultAsync("429", count: 1, retryAfterMs: 30_000);

        using var response = await gateway.Http.PostAsync(ChatPath, GatewayHost.Json(StreamBody(text)));
        var sse = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("westus-gpt-4o", response.Headers.GetValues("x-aoai-deployment").Single());
        Assert.Empty(UsageChunks(sse));
        var usage = Assert.Single(await Usage.WaitForAsync(1));
        Assert.Equal("westus-gpt-4o", usage.Deployment);
        Assert.Equal((expected.In, expected.Out), (usage.InputTokens, usage.OutputTokens));
    }

    [Fact]
    public async Task NonStreamed_CostHeader_EqualsTheCostCalculatorOfTheResponsesUsage_AndTheSpendCounter()
    {
        await using var gateway = await StartGatewayAsync();
        using var response = await gateway.Http.PostAsync(ChatPath, GatewayHost.ChatBody(maxTokens: 40));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var usage = body.RootElement.GetProperty("usage");
        var input = usage.GetProperty("prompt_tokens").GetInt64();
        var output = usage.GetProperty("completion_tokens").GetInt64();
        var expected = PriceOf(gateway, "gpt-4o", input, output);

        var header = response.Headers.GetValues(CostHeaders.Cost).Single();
        Assert.Equal(expected, decimal.Parse(header, NumberStyles.Number, CultureInfo.InvariantCulture));
        Assert.Equal(CostHeaders.Format(expected), header);
        Assert.DoesNotContain("E", header, StringComparison.OrdinalIgnoreCase);

        var usageEvent = Assert.Single(await Usage.WaitForAsync(1));
        Assert.Equal((input, output), (usageEvent.InputTokens, usageEvent.OutputTokens));
        Assert.Equal("gpt-4o", usageEvent.PricedModel);
        var spent = (long)await _mux.GetDatabase().StringGetAsync(SpendKeys.Day("test", usageEvent.Timestamp.UtcDateTime));
        Assert.Equal(SpendKeys.ToPicodollars(expected), spent);
    }

    [Fact]
    public async Task AnUnpricedModel_SaysSoInTheCostHeader()
    {
        await using var gateway = await StartGatewayAsync([new DeploymentSpec("eastus-other", _sim.BaseAddress, Deployment: "gpt-4o", Model: "house-model")]);
        using var response = await gateway.Http.PostAsync(ChatPath, GatewayHost.ChatBody(model: "house-model"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // The simulator reports gpt-4o's versioned name, an alias the defaults know, so a response model prices it...
        var header = response.Headers.GetValues(CostHeaders.Cost).Single();
        var usageEvent = Assert.Single(await Usage.WaitForAsync(1));
        if (usageEvent.PricedModel.Length == 0)
        {
            Assert.Equal(CostHeaders.UnpricedValue, header);
        }
        else
        {
            Assert.NotEqual(CostHeaders.UnpricedValue, header);
        }
    }

    [Fact]
    public async Task ARateLimitedRequest_ProducesOneEventWithItsStatus_AndNoTokens()
    {
        await using var gateway = await StartGatewayAsync(args: ["--Gateway:Clients:0:Rpm=1", "--Gateway:RateLimits:RedisTimeout=00:00:02"]);
        var limiter = gateway.Services.GetRequiredService<AspireAoai.Api.RateLimiting.ClientLimiter>();
        for (var i = 0; i < 400 && !limiter.Connection.IsAvailable; i++)
        {
            await Task.Delay(50);
        }

        using var ok = await gateway.Http.PostAsync(ChatPath, GatewayHost.ChatBody());
        using var refused = await gateway.Http.PostAsync(ChatPath, GatewayHost.ChatBody());
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("0", refused.Headers.GetValues(CostHeaders.Cost).Single());

        var events = await Usage.WaitForAsync(2);
        var refusal = Assert.Single(events, e => e.Status == 429);
        Assert.Equal(refused.Headers.GetValues("x-aoai-request-id").Single(), refusal.RequestId);
        Assert.Equal((0L, 0L), (refusal.InputTokens, refusal.OutputTokens));
        Assert.Equal("", refusal.Deployment);
        Assert.Equal("test", refusal.ClientId);
        Assert.Single(events, e => e.Status == 200 && e.InputTokens > 0);
    }

    [Fact]
    public async Task ARequestThatExhaustsTheRetryBudget_ProducesOneEventWithItsStatus()
    {
        await using var gateway = await StartGatewayAsync();
        await _sim.AddFaultAsync("429", count: 10, retryAfterMs: 30_000);

        using var response = await gateway.Http.PostAsync(ChatPath, GatewayHost.ChatBody());
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);

        var usage = Assert.Single(await Usage.WaitForAsync(1));
        Assert.Equal(429, usage.Status);
        Assert.Equal((0L, 0L), (usage.InputTokens, usage.OutputTokens));
        Assert.Equal("", usage.Deployment);
        Assert.Equal(response.Headers.GetValues("x-aoai-request-id").Single(), usage.RequestId);
    }

    [Fact]
    public async Task AnUpstreamContentFilter400_IsPassedThrough_AndAccountedWithItsStatus()
    {
        await using var gateway = await StartGatewayAsync();
        await _sim.AddFaultAsync("prompt_filter", count: 1);

        using var response = await gateway.Http.PostAsync(ChatPath, GatewayHost.ChatBody());
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("content_filter", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal("0", response.Headers.GetValues(CostHeaders.Cost).Single());

        var usage = Assert.Single(await Usage.WaitForAsync(1));
        Assert.Equal(400, usage.Status);
        Assert.Equal("eastus-gpt-4o", usage.Deployment);
    }

    [Fact]
    public async Task ManyRequestsOfEveryKind_ProduceExactlyOneEventEach()
    {
        await using var gateway = await StartGatewayAsync();
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            using var plain = await gateway.Http.PostAsync(ChatPath, GatewayHost.ChatBody(text: $"plain {i}"));
            using var streamed = await gateway.Http.PostAsync(ChatPath, GatewayHost.Json(StreamBody($"streamed {i}")));
            await streamed.Content.ReadAsStringAsync();
            ids.Add(plain.Headers.GetValues("x-aoai-request-id").Single());
            ids.Add(streamed.Headers.GetValues("x-aoai-request-id").Single());
        }

        // Not accounted: no client (401) or bad input (400).
        using var anonymous = new HttpClient { BaseAddress = gateway.BaseAddress };
        using var unauthorized = await anonymous.PostAsync(ChatPath, GatewayHost.ChatBody());
        using var bad = await gateway.Http.PostAsync(ChatPath, GatewayHost.Json("{\"model\":\"gpt-4o\"}"));
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);

        var events = await Usage.WaitForAsync(8);
        Assert.Equal(ids.Order(), events.Select(e => e.RequestId).Order());
        Assert.All(events, e => Assert.True(e.InputTokens > 0 && e.OutputTokens > 0));
    }

    [Theory]
    [InlineData("json")]
    [InlineData("chunked")]
    public async Task AClientThatLeavesAfterTheUpstreamAnswered_NonStreamed_StillGetsAnExactEvent(string mode)
    {
        await using var upstream = await HeldUpstream.StartAsync(mode);
        await using var gateway = await StartGatewayAsync([new DeploymentSpec("held", upstream.BaseAddress)]);
        using var client = LeavingClient(gateway);
        using var leave = new CancellationTokenSource();

        // "json": the gateway holds the answer to put its cost in a header, so the client is still waiting for
        // headers; "chunked": the gateway relays what it has, so the client is reading the body. Either way it leaves.
        var call = client.PostAsync(ChatPath, GatewayHost.ChatBody(), leave.Token);
        await upstream.FirstPartSent.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await Task.Delay(200);
        await leave.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        await Task.Delay(500);
        upstream.Release();
        await upstream.Finished.Task.WaitAsync(TimeSpan.FromSeconds(10));

        var usage = Assert.Single(await Usage.WaitForAsync(1));
        Assert.Equal(499, usage.Status);
        Assert.Equal(HeldUpstream.PromptTokens, usage.InputTokens);
        Assert.Equal(HeldUpstream.CompletionTokens, usage.OutputTokens);
        Assert.Equal("held", usage.Deployment);
    }

    [Fact]
    public async Task AClientThatLeavesAStream_StopsTheUpstream_AndGetsOneEventWith499()
    {
        await using var upstream = await HeldUpstream.StartAsync("sse");
        await using var gateway = await StartGatewayAsync([new DeploymentSpec("held", upstream.BaseAddress)]);
        using var client = LeavingClient(gateway);
        var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, ChatPath) { Content = GatewayHost.Json(StreamBody("hi")) },
            HttpCompletionOption.ResponseHeadersRead);
        var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[256];
        Assert.True(await stream.ReadAsync(buffer) > 0);
        response.Dispose();

        await upstream.Aborted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var usage = Assert.Single(await Usage.WaitForAsync(1));
        Assert.Equal(499, usage.Status);
        Assert.True(usage.Streamed);
        Assert.Equal("held", usage.Deployment);
        Assert.False(upstream.Finished.Task.IsCompleted);
    }
}
