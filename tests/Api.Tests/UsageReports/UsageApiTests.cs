using System.Net;
using System.Text.Json;
using AspireAoai.Accounting.Usage;
using AspireAoai.Api.Auth;
using AspireAoai.Api.Budgets;
using AspireAoai.Api.Tests.Infrastructure;
using AspireAoai.Api.Tests.Usage;
using AspireAoai.ServiceDefaults.Cosmos;
using AspireAoai.TestSupport;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace AspireAoai.Api.Tests.UsageReports;

/// <summary>One Cosmos server for the usage API tests; each test has its own database and redis-server.</summary>
[CollectionDefinition(Name)]
public sealed class UsageApiCollection : ICollectionFixture<CosmosFixture>
{
    public const string Name = "usage-api";
}

/// <summary>
/// The usage API end to end: requests through the gateway write real usage events, the Worker's aggregation (its own
/// registrations, in-process) turns them into cost documents in the real Cosmos server, and the API reads them back.
/// </summary>
[Collection(UsageApiCollection.Name)]
public sealed class UsageApiTests(CosmosFixture cosmos) : IAsyncLifetime
{
    private UsageStack _stack = null!;

    public async Task InitializeAsync() => _stack = await UsageStack.StartAsync(cosmos, "u");

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task Usage_ReportsTheWorkersAggregates_WithTotals_AndAdminTotalsEqualTheSumOfClients()
    {
        await using var gateway = await _stack.StartGatewayAsync(cosmos.Server.ConnectionString,
            "--Gateway:Clients:0:Budget:DailyUsd=50", "--Gateway:Clients:0:Budget:MonthlyUsd=500");
        await UsageStack.SendTwoClientsTrafficAsync(gateway);
        await _stack.AggregateAsync(expectedEvents: 10);

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd");
        using var response = await gateway.Http.GetAsync($"v1/usage?from={today}&to={today}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = body.RootElement;
        Assert.Equal("test", root.GetProperty("clientId").GetString());
        var data = root.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal([("gpt-4o", "eastus-gpt-4o"), ("gpt-4o-mini", "eastus-gpt-4o-mini")],
            data.Select(d => (d.GetProperty("model").GetString(), d.GetProperty("deployment").GetString())).ToArray());
        Assert.All(data, d => Assert.Equal(today, d.GetProperty("date").GetString()));
        Assert.Equal([4L, 3L], data.Select(d => d.GetProperty("requests").GetInt64()));

        // Every line equals its Worker document; the totals are their sums; costs are decimal strings.
        var documents = await ReadUsageDocumentsAsync("test");
        Assert.Equal(2, documents.Count);
        foreach (var line in data)
        {
            var doc = documents[$"{today}|{line.GetProperty("model").GetString()}|{line.GetProperty("deployment").GetString()}"];
            Assert.Equal(doc.GetProperty("inputTokens").GetInt64(), line.GetProperty("inputTokens").GetInt64());
            Assert.Equal(doc.GetProperty("outputTokens").GetInt64(), line.GetProperty("outputTokens").GetInt64());
            Assert.Equal(doc.GetProperty("cost").GetString(), line.GetProperty("cost").GetString());
            Assert.True(decimal.Parse(line.GetProperty("cost").GetString()!) > 0);
        }

        var totals = root.GetProperty("totals");
        Assert.Equal(7, totals.GetProperty("requests").GetInt64());
        Assert.Equal(data.Sum(d => d.GetProperty("inputTokens").GetInt64()), totals.GetProperty("inputTokens").GetInt64());
        Assert.Equal(data.Sum(d => d.GetProperty("totalTokens").GetInt64()), totals.GetProperty("totalTokens").GetInt64());
        var totalCost = decimal.Parse(totals.GetProperty("cost").GetString()!);
        Assert.Equal(data.Sum(d => decimal.Parse(d.GetProperty("cost").GetString()!)), totalCost);
        Assert.Equal(JsonValueKind.String, totals.GetProperty("savedCost").ValueKind);

        // The live spend (Redis, picodollars rounded up per event) agrees with the Worker's exact sum.
        var spend = root.GetProperty("spend");
        Assert.True(spend.GetProperty("available").GetBoolean());
        Assert.Equal(today, spend.GetProperty("date").GetString());
        var live = decimal.Parse(spend.GetProperty("todayUsd").GetString()!);
        Assert.InRange(live - totalCost, 0m, 7m / SpendKeys.PicodollarsPerDollar);
        Assert.Equal("50", spend.GetProperty("budget").GetProperty("dailyUsd").GetString());
        Assert.Equal(80, spend.GetProperty("budget").GetProperty("softLimitPercent").GetInt32());
        Assert.Equal("0", spend.GetProperty("reservedUsd").GetString()); // every request settled: nothing held
        Assert.Equal(50m - live, decimal.Parse(spend.GetProperty("remainingTodayUsd").GetString()!));
        Assert.Equal(500m - decimal.Parse(spend.GetProperty("monthUsd").GetString()!), decimal.Parse(spend.GetProperty("remainingMonthUsd").GetString()!));
        Assert.Equal(JsonValueKind.Null, spend.GetProperty("group").ValueKind);

        // Admin: every configured client, per-client totals equal each client's own report, the grand total their sum.
        using var adminResponse = await gateway.Admin.GetAsync($"admin/usage?from={today}&to={today}");
        Assert.Equal(HttpStatusCode.OK, adminResponse.StatusCode);
        using var admin = JsonDocument.Parse(await adminResponse.Content.ReadAsStringAsync());
        var clients = admin.RootElement.GetProperty("clients").EnumerateArray().ToDictionary(c => c.GetProperty("clientId").GetString()!);
        Assert.Equal(["limited", "other", "test"], clients.Keys.Order());
        Assert.Equal(totals.GetRawText(), clients["test"].GetProperty("totals").GetRawText());
        Assert.Equal(3, clients["other"].GetProperty("totals").GetProperty("requests").GetInt64());
        Assert.Equal(0, clients["limited"].GetProperty("totals").GetProperty("requests").GetInt64());
        var grand = admin.RootElement.GetProperty("totals");
        Assert.Equal(10, grand.GetProperty("requests").GetInt64());
        Assert.Equal(clients.Values.Sum(c => c.GetProperty("totals").GetProperty("outputTokens").GetInt64()), grand.GetProperty("outputTokens").GetInt64());
        Assert.Equal(clients.Values.Sum(c => decimal.Parse(c.GetProperty("totals").GetProperty("cost").GetString()!)),
            decimal.Parse(grand.GetProperty("cost").GetString()!));

        using var one = await gateway.Admin.GetAsync($"admin/usage?from={today}&to={today}&client=other");
        using var oneBody = JsonDocument.Parse(await one.Content.ReadAsStringAsync());
        Assert.Equal("other", Assert.Single(oneBody.RootElement.GetProperty("clients").EnumerateArray()).GetProperty("clientId").GetString());

        // A range without usage is empty, not an error; the default range is the current month.
        using var empty = await gateway.Http.GetAsync("v1/usage?from=2020-01-01&to=2020-01-31");
        using var emptyBody = JsonDocument.Parse(await empty.Content.ReadAsStringAsync());
        Assert.Empty(emptyBody.RootElement.GetProperty("data").EnumerateArray());
        Assert.Equal("0", emptyBody.RootElement.GetProperty("totals").GetProperty("cost").GetString());
        using var month = await gateway.Http.GetAsync("v1/usage");
        using var monthBody = JsonDocument.Parse(await month.Content.ReadAsStringAsync());
        Assert.Equal(DateTime.UtcNow.ToString("yyyy-MM") + "-01", monthBody.RootElement.GetProperty("from").GetString());
        Assert.Equal(7, monthBody.RootElement.GetProperty("totals").GetProperty("requests").GetInt64());
    }

    [Fact]
    public async Task StreamsOfAnOldApiVersion_AreChargedEstimates_AndTheUsageApiSaysHowManyWereEstimated()
    {
        await using var gateway = await _stack.StartGatewayAsync(cosmos.Server.ConnectionString);
        const string path = "openai/deployments/gpt-4o/chat/completions?api-version=2024-06-01";
        for (var i = 0; i < 5; i++)
        {
            using var response = await gateway.Http.PostAsync(path, GatewayHost.Json(
                $$"""{"messages":[{"role":"user","content":"Old api-version stream {{i}}"}],"max_tokens":30,"stream":true}"""));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Contains("\"content\":", await response.Content.ReadAsStringAsync());
        }

        using var exact = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody(maxTokens: 20));
        Assert.Equal(HttpStatusCode.OK, exact.StatusCode);

        await _stack.AggregateAsync(expectedEvents: 6);

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd");
        using var usage = await gateway.Http.GetAsync($"v1/usage?from={today}&to={today}");
        using var body = JsonDocument.Parse(await usage.Content.ReadAsStringAsync());
        var line = Assert.Single(body.RootElement.GetProperty("data").EnumerateArray());
        var totals = body.RootElement.GetProperty("totals");
        foreach (var part in new[] { line, totals })
        {
            Assert.Equal(6, part.GetProperty("requests").GetInt64());
            Assert.Equal(5, part.GetProperty("estimatedRequests").GetInt64());
            Assert.InRange(part.GetProperty("estimatedInputTokens").GetInt64(), 5, part.GetProperty("inputTokens").GetInt64() - 1);
            Assert.InRange(part.GetProperty("estimatedOutputTokens").GetInt64(), 5, part.GetProperty("outputTokens").GetInt64() - 1);
        }

        var (prompt, completion) = await _stack.Simulator.GeneratedTokensAsync("gpt-4o");
        Assert.Equal(prompt + completion, totals.GetProperty("totalTokens").GetInt64());
        Assert.True(decimal.Parse(totals.GetProperty("cost").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.True(decimal.Parse(body.RootElement.GetProperty("spend").GetProperty("todayUsd").GetString()!, System.Globalization.CultureInfo.InvariantCulture) > 0);
    }

    [Fact]
    public async Task CostsInTheUsageApi_EqualTokensTimesTheDocumentedListPrices()
    {
        await using var gateway = await _stack.StartGatewayAsync(cosmos.Server.ConnectionString);
        for (var i = 0; i < 3; i++)
        {
            using var response = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody("gpt-4o", maxTokens: 20, text: $"Price pin {i}"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        for (var i = 0; i < 2; i++)
        {
            using var response = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody("gpt-4o-mini", maxTokens: 20, text: $"Price pin {i}"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await _stack.AggregateAsync(expectedEvents: 5);

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd");
        using var usage = await gateway.Http.GetAsync($"v1/usage?from={today}&to={today}");
        using var body = JsonDocument.Parse(await usage.Content.ReadAsStringAsync());
        // docs/costs.md, "Defaults": gpt-4o (the simulator answers as gpt-4o-2024-11-20) 2.50 / 10.00, gpt-4o-mini 0.15 / 0.60
        // USD per 1M tokens; the simulator reports no cached tokens.
        var prices = new Dictionary<string, (decimal Input, decimal Output)> { ["gpt-4o"] = (2.50m, 10.00m), ["gpt-4o-mini"] = (0.15m, 0.60m) };
        var lines = body.RootElement.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(2, lines.Count);
        foreach (var line in lines)
        {
            var (input, output) = prices[line.GetProperty("model").GetString()!];
            var expected = (line.GetProperty("inputTokens").GetInt64() * input + line.GetProperty("outputTokens").GetInt64() * output) / 1_000_000m;
            Assert.Equal(expected, decimal.Parse(line.GetProperty("cost").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(0, line.GetProperty("reasoningTokens").GetInt64());
        }
    }

    [Fact]
    public async Task ReasoningTokens_AreRecorded_AndShownByTheUsageApi_AndBilledAsOutput()
    {
        await using var gateway = await _stack.StartGatewayAsync(cosmos.Server.ConnectionString);
        using (var answer = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody("o4-mini", maxTokens: 20, text: "Think first")))
        {
            Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        }

        using (var stream = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody("o4-mini", stream: true, maxTokens: 20, text: "Think and stream")))
        {
            Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
            Assert.Contains("\"reasoning_tokens\":64", await stream.Content.ReadAsStringAsync());
        }

        await _stack.AggregateAsync(expectedEvents: 2);

        var today = DateTime.UtcNow.ToString("yyyy-MM-dd");
        using var usage = await gateway.Http.GetAsync($"v1/usage?from={today}&to={today}");
        using var body = JsonDocument.Parse(await usage.Content.ReadAsStringAsync());
        var line = Assert.Single(body.RootElement.GetProperty("data").EnumerateArray());
        Assert.Equal(128, line.GetProperty("reasoningTokens").GetInt64());
        Assert.Equal(128, body.RootElement.GetProperty("totals").GetProperty("reasoningTokens").GetInt64());
        Assert.True(line.GetProperty("outputTokens").GetInt64() > 128);
        // o4-mini list prices (docs/costs.md): 1.10 input, 4.40 output; reasoning tokens are part of the output.
        var expected = (line.GetProperty("inputTokens").GetInt64() * 1.10m + line.GetProperty("outputTokens").GetInt64() * 4.40m) / 1_000_000m;
        Assert.Equal(expected, decimal.Parse(line.GetProperty("cost").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("v1/usage?from=2026-13-01", "from")]
    [InlineData("v1/usage?from=2026-04-01&to=04/30/2026", "to")]
    [InlineData("v1/usage?from=2026-04-10&to=2026-04-01", "to")]
    [InlineData("v1/usage?from=2025-01-01&to=2026-01-02", "to")]
    [InlineData("admin/usage?from=2025-01-01&to=2026-12-31", "to")]
    public async Task BadRange_Gets400InTheOpenAiShape(string path, string param)
    {
        await using var gateway = await _stack.StartGatewayAsync(cosmos.Server.ConnectionString);
        var http = path.StartsWith("admin", StringComparison.Ordinal) ? gateway.Admin : gateway.Http;
        using var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = body.RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task WrongKeys_Get401_AndAnUnknownClientGets404()
    {
        await using var gateway = await _stack.StartGatewayAsync(cosmos.Server.ConnectionString);
        using var anonymous = new HttpClient { BaseAddress = gateway.BaseAddress };
        using var noKey = await anonymous.GetAsync("v1/usage");
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        using var clientOnAdmin = await gateway.Http.GetAsync("admin/usage");
        Assert.Equal(HttpStatusCode.Unauthorized, clientOnAdmin.StatusCode);
        using var unknown = await gateway.Admin.GetAsync("admin/usage?client=nobody");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("client_not_found", await unknown.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task CosmosUnavailable_Gets503WithAClearMessage()
    {
        var closedPort = FreePort.Next();
        await using var gateway = await _stack.StartGatewayAsync(
            $"AccountEndpoint=http://127.0.0.1:{closedPort}/;AccountKey={CosmosServer.WellKnownKey};", "--Gateway:UsageApi:QueryTimeout=00:00:01");
        using var response = await gateway.Http.GetAsync("v1/usage");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var message = body.RootElement.GetProperty("error").GetProperty("message").GetString()!;
        Assert.StartsWith("Usage records are unavailable right now: ", message, StringComparison.Ordinal);
        Assert.Equal("usage_store_unavailable", body.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.NotNull(response.Headers.RetryAfter);
    }

    [Fact]
    public async Task NoCosmosConfigured_Gets503NamingTheMissingConnection()
    {
        await using var gateway = await _stack.StartGatewayAsync(cosmosConnectionString: null);
        using var response = await gateway.Admin.GetAsync("admin/usage");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Contains("ConnectionStrings:cosmos", await response.Content.ReadAsStringAsync());
    }

    private async Task<Dictionary<string, JsonElement>> ReadUsageDocumentsAsync(string clientId)
    {
        using var client = cosmos.Server.CreateClient();
        var query = new QueryDefinition("SELECT * FROM c WHERE c.clientId = @pk").WithParameter("@pk", clientId);
        var docs = new Dictionary<string, JsonElement>();
        using var feed = client.GetDatabase(_stack.Database).GetContainer("costs").GetItemQueryStreamIterator(query,
            requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey(clientId) });
        while (feed.HasMoreResults)
        {
            using var page = await feed.ReadNextAsync();
            using var json = await JsonDocument.ParseAsync(page.Content);
            foreach (var doc in json.RootElement.GetProperty("Documents").EnumerateArray())
            {
                if (doc.GetProperty("kind").GetString() == "usage") docs[doc.GetProperty("id").GetString()!] = doc.Clone();
            }
        }

        return docs;
    }
}
