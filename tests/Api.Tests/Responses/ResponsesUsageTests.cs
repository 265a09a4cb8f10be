#pragma warning disable OPENAI001 // The Responses client is marked experimental in OpenAI 2.15.
using System.ClientModel;
using System.Globalization;
using System.Net;
using System.Text.Json;
using AspireAoai.Accounting.Usage;
using AspireAoai.Api.Tests.Infrastructure;
using AspireAoai.Api.Tests.Usage;
using AspireAoai.Api.Tests.UsageReports;
using AspireAoai.Api.Usage;
using AspireAoai.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenAI.Responses;
using OpenAI;
using StackExchange.Redis;

namespace AspireAoai.Api.Tests.Responses;

/// <summary>
/// Responses are accounted as chat is: one usage event per request, reconciled with the response's usage (JSON or the
/// final <c>response.completed</c> event), priced, and read back by <c>/v1/usage</c> after the Worker's aggregation.
/// </summary>
[Collection(UsageApiCollection.Name)]
public sealed class ResponsesUsageTests(CosmosFixture cosmos) : IAsyncLifetime
{
    private readonly string _database = "r" + Guid.NewGuid().ToString("N")[..10];
    private RedisServer _redis = null!;
    private SimulatorHost _sim = null!;
    private ConnectionMultiplexer _mux = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _sim = await SimulatorHost.StartAsync("eastus", "--Simulator:Latency:PerTokenMs=40");
        _mux = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _mux.DisposeAsync();
        await _sim.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task UsageTotals_InV1Usage_EqualTheUsageTheClientsSaw_ToTheToken()
    {
        await using var gateway = await StartGatewayAsync(withCosmos: true, "--Gateway:Clients:0:Budget:DailyUsd=50");
        var client = Client(gateway);
        long input = 0, output = 0;
        ResponseResult first = await client.CreateResponseAsync(new CreateResponseOptions("gpt-4o", [ResponseItem.CreateUserMessageItem("Count my tokens")]));
        input += first.Usage.InputTokenCount;
        output += first.Usage.OutputTokenCount;

        await foreach (var update in await client.CreateResponseStreamingAsync(
            new CreateResponseOptions("gpt-4o", [ResponseItem.CreateUserMessageItem("Stream and count")]) { StreamingEnabled = true }))
        {
            if (update is StreamingResponseCompletedUpdate completed)
            {
                input += completed.Response.Usage.InputTokenCount;
                output += completed.Response.Usage.OutputTokenCount;
            }
        }

        ResponseResult second = await client.CreateResponseAsync(new CreateResponseOptions("gpt-4o", [ResponseItem.CreateUserMessageItem("And the chain")])
        {
            PreviousResponseId = first.Id,
        });
        input += second.Usage.InputTokenCount;
        output += second.Usage.OutputTokenCount;

        // Retrievals are requests without tokens.
        await client.GetResponseAsync(second.Id);
        await client.DeleteResponseAsync(first.Id);

        // A non-streamed create carries its cost as a header, as chat does.
        using var raw = await gateway.Http.PostAsync("v1/responses", GatewayHost.Json("""{"model":"gpt-4o","input":"with a cost header","max_output_tokens":30}"""));
        Assert.Equal(HttpStatusCode.OK, raw.StatusCode);
        Assert.True(decimal.Parse(raw.Headers.GetValues(CostHeaders.Cost).Single(), CultureInfo.InvariantCulture) > 0);
        using (var body = JsonDocument.Parse(await raw.Content.ReadAsStringAsync()))
        {
            input += body.RootElement.GetProperty("usage").GetProperty("input_tokens").GetInt64();
            output += body.RootElement.GetProperty("usage").GetProperty("output_tokens").GetInt64();
        }

        var events = await new UsageStreamProbe(_mux.GetDatabase()).WaitForAsync(6);
        Assert.Equal(input, events.Sum(e => (long)e.InputTokens));
        Assert.Equal(output, events.Sum(e => (long)e.OutputTokens));
        Assert.All(events, e => Assert.Equal(200, e.Status));
        Assert.All(events, e => Assert.False(e.Estimated));
        Assert.Equal(2, events.Count(e => e.InputTokens == 0 && e.OutputTokens == 0));

        // What the upstream generated (Azure's bill) is what the gateway charged.
        var (prompt, completion) = await _sim.GeneratedTokensAsync("gpt-4o");
        Assert.Equal(prompt, input);
        Assert.Equal(completion, output);

        await AggregateWithTheWorkerAsync(events.Count);
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        using var usage = JsonDocument.Parse(await gateway.Http.GetStringAsync($"v1/usage?from={today}&to={today}"));
        var totals = usage.RootElement.GetProperty("totals");
        Assert.Equal(6, totals.GetProperty("requests").GetInt64());
        Assert.Equal(input, totals.GetProperty("inputTokens").GetInt64());
        Assert.Equal(output, totals.GetProperty("outputTokens").GetInt64());
        Assert.True(decimal.Parse(totals.GetProperty("cost").GetString()!, CultureInfo.InvariantCulture) > 0);
        Assert.Equal("0", usage.RootElement.GetProperty("spend").GetProperty("reservedUsd").GetString());
    }

    [Fact]
    public async Task AStreamTheClientLeaves_IsChargedWhatWasRelayed_AsAnEstimate()
    {
        await using var gateway = await StartGatewayAsync(withCosmos: false);
        // No draining on dispose: the client really leaves (closes the connection) after three deltas.
        using var http = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = gateway.BaseAddress };
        http.DefaultRequestHeaders.Add("api-key", GatewayHost.ClientKey);
        using (var request = new HttpRequestMessage(HttpMethod.Post, "v1/responses")
        {
            Content = GatewayHost.Json("""{"model":"gpt-4o","input":"Tell me a long story about accounting","stream":true,"max_output_tokens":200}"""),
        })
        using (var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
            var deltas = 0;
            while (deltas < 3 && await reader.ReadLineAsync() is { } line)
            {
                if (line.Contains("\"response.output_text.delta\"", StringComparison.Ordinal))
                {
                    deltas++;
                }
            }

            Assert.Equal(3, deltas);
        }

        var e = Assert.Single(await new UsageStreamProbe(_mux.GetDatabase()).WaitForAsync(1));
        Assert.True(e.Status == 499, e.ToString());
        Assert.True(e.Estimated);
        Assert.InRange(e.OutputTokens, 3, 199);
        Assert.True(e.InputTokens > 0);
    }

    [Fact]
    public async Task FollowUps_AreRequestsHeldToTheClientsRpm_WithoutTokens()
    {
        await using var gateway = await StartGatewayAsync(withCosmos: false, "--Gateway:Clients:0:Rpm=3");
        using var created = await gateway.Http.PostAsync("v1/responses", GatewayHost.Json("""{"model":"gpt-4o","input":"limit me"}"""));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var id = await ResponsesClientTests.IdAsync(created);
        using var get = await gateway.Http.GetAsync($"v1/responses/{id}");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        using var items = await gateway.Http.GetAsync($"v1/responses/{id}/input_items");
        Assert.Equal(HttpStatusCode.OK, items.StatusCode);
        using var refused = await gateway.Http.GetAsync($"v1/responses/{id}");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
    }

    private static ResponsesClient Client(GatewayHost gateway)
        => new OpenAIClient(new ApiKeyCredential(GatewayHost.ClientKey), new OpenAIClientOptions { Endpoint = new Uri(gateway.BaseAddress, "v1") })
            .GetResponsesClient();

    private async Task<GatewayHost> StartGatewayAsync(bool withCosmos, params string[] args)
    {
        var all = new List<string>
        {
            $"--ConnectionStrings:redis={_redis.ConnectionString}",
            $"--Cosmos:DatabaseName={_database}",
            "--Cosmos:InitializationTimeout=00:00:05",
            "--Gateway:Cache:Enabled=false",
        };
        if (withCosmos) all.Add($"--ConnectionStrings:cosmos={cosmos.Server.ConnectionString}");
        all.AddRange(args);
        var gateway = await GatewayHost.StartAsync([new DeploymentSpec("eastus-gpt-4o", _sim.BaseAddress, Region: "eastus")], all);
        return await gateway.WithRateLimiterConnectedAsync();
    }

    private Task AggregateWithTheWorkerAsync(int expectedEvents)
        => WorkerAggregation.RunUntilDrainedAsync(_redis.ConnectionString, cosmos.Server.ConnectionString, _database, expectedEvents);
}
