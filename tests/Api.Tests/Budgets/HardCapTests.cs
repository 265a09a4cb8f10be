using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using AspireAoai.Api.Auth;
using AspireAoai.Api.Budgets;
using AspireAoai.Api.RateLimiting;
using AspireAoai.Api.Tests.Infrastructure;
using AspireAoai.Api.UsageReports;
using AspireAoai.TestSupport;
using StackExchange.Redis;

namespace AspireAoai.Api.Tests.Budgets;

/// <summary>
/// The budget as a hard cap: two gateway replicas (GatewayApp in-process, each with its own Redis connections and usage
/// writer) on one real redis-server, the simulator upstream, usage written for real, so reservations are settled by the
/// usage script exactly as in production.
/// </summary>
public sealed partial class HardCapTests : IAsyncLifetime
{
    private const string OtherKey = "hard-cap-other-key";
    private const long TwoCents = 20_000_000_000; // $0.02 in picodollars

    private RedisServer _redis = null!;
    private SimulatorHost _sim = null!;
    private ConnectionMultiplexer _mux = null!;

    private IDatabase Db => _mux.GetDatabase();

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

    [Fact]
    public async Task FortyConcurrentStreams_OverTwoReplicas_SpendAtMostTheDailyBudget_ToThePicodollar_AndLaterRequestsAreRefused()
    {
        await using var a = await StartGatewayAsync("--Gateway:Clients:0:Budget:DailyUsd=0.02");
        await using var b = await StartGatewayAsync("--Gateway:Clients:0:Budget:DailyUsd=0.02");

        var statuses = await SendConcurrentlyAsync([(a, GatewayHost.ClientKey), (b, GatewayHost.ClientKey)], 40);

        Assert.Contains(HttpStatusCode.OK, statuses);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        var spent = await SettledSpendAsync(SpendKeys.Day("test", DateTime.UtcNow), "aoai:resv:test");
        Assert.True(spent > 0);
        Assert.True(spent <= TwoCents, $"spent {spent} picodollars of a {TwoCents} budget");

        // Spent down to less than one worst case: the next request is refused, naming the budget.
        await DrainAsync(a, GatewayHost.ClientKey);
        using var refused = await PostAsync(a, GatewayHost.ClientKey);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        using var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        Assert.Equal("budget_exceeded", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.True((long)await Db.StringGetAsync(SpendKeys.Day("test", DateTime.UtcNow)) <= TwoCents);

        // The usage API shows the same day's spend, nothing reserved, and what is left. At the list prices a drain request
        // may still fit; its reservation is released when its usage is written, just after its response.
        await SettledSpendAsync(SpendKeys.Day("test", DateTime.UtcNow), "aoai:resv:test");
        var spend = await LiveSpendAsync(a, "test");
        Assert.True(decimal.Parse(spend.GetProperty("todayUsd").GetString()!, CultureInfo.InvariantCulture) <= 0.02m);
        Assert.Equal("0", spend.GetProperty("reservedUsd").GetString());
        Assert.NotNull(spend.GetProperty("remainingTodayUsd").GetString());
    }

    [Fact]
    public async Task TwoClientsOfOneGroup_FortyConcurrentStreams_OverTwoReplicas_SpendAtMostTheGroupBudget()
    {
        string[] group = ["--Gateway:BudgetGroups:0:Id=team", "--Gateway:BudgetGroups:0:DailyUsd=0.02",
            "--Gateway:Clients:0:BudgetGroup=team",
            "--Gateway:Clients:2:Id=other", $"--Gateway:Clients:2:KeyHash={KeyHasher.HashHex(OtherKey)}", "--Gateway:Clients:2:BudgetGroup=team"];
        await using var a = await StartGatewayAsync(group);
        await using var b = await StartGatewayAsync(group);

        var statuses = await SendConcurrentlyAsync([(a, GatewayHost.ClientKey), (b, OtherKey), (a, OtherKey), (b, GatewayHost.ClientKey)], 40);

        Assert.Contains(HttpStatusCode.OK, statuses);
        Assert.Contains(HttpStatusCode.TooManyRequests, statuses);
        var spent = await SettledSpendAsync(SpendKeys.GroupDay("team", DateTime.UtcNow), "aoai:gresv:team");
        var test = (long)await Db.StringGetAsync(SpendKeys.Day("test", DateTime.UtcNow));
        var other = (long)await Db.StringGetAsync(SpendKeys.Day("other", DateTime.UtcNow));
        Assert.True(spent <= TwoCents, $"the group spent {spent} picodollars of a {TwoCents} budget");
        Assert.Equal(test + other, spent);

        // Both members see the group's spend and what is left of it (the admin report carries each member's).
        var seen = await LiveSpendAsync(b, "other");
        var shared = seen.GetProperty("group");
        Assert.Equal("team", shared.GetProperty("id").GetString());
        Assert.Equal(SpendKeys.ToDollars(spent), decimal.Parse(shared.GetProperty("todayUsd").GetString()!, CultureInfo.InvariantCulture));
        Assert.Equal("0.02", shared.GetProperty("budget").GetProperty("dailyUsd").GetString());

        // Spent down to less than one worst case, a member is refused naming the group's budget.
        await DrainAsync(a, GatewayHost.ClientKey);
        using var refused = await PostAsync(a, GatewayHost.ClientKey);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        using var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        Assert.Contains("The daily budget of $0.02 for budget group 'team' (client 'test' is a member) cannot cover this request",
            error.RootElement.GetProperty("error").GetProperty("message").GetString());
        Assert.True((long)await Db.StringGetAsync(SpendKeys.GroupDay("team", DateTime.UtcNow)) <= TwoCents);
    }

    [Fact]
    public async Task SequentialClient_WhoseRequestsEachCostUnderOnePercent_UsesAtLeastNinetyPercentBeforeRefusal()
    {
        // gpt-4o-mini, a short prompt and max_tokens 8: a worst case of a few millionths of a dollar against $0.001.
        const long Budget = 1_000_000_000; // $0.001
        await using var gateway = await StartGatewayAsync("--Gateway:Clients:0:Budget:DailyUsd=0.001");
        var dayKey = SpendKeys.Day("test", DateTime.UtcNow);
        var requests = 0;
        while (true)
        {
            using var response = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody("gpt-4o-mini"));
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                break;
            }

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.True(response.Headers.Contains("x-budget-remaining-usd"));
            requests++;
            Assert.True(requests < 5_000, "never refused");

            // Sequential: the next request starts once this one is settled (its reservation released by the usage script).
            await WaitUntilAsync(async () => (long)await Db.HashGetAsync("aoai:resv:test", "n") == 0);
        }

        var spent = (long)await Db.StringGetAsync(dayKey);
        Assert.True(spent <= Budget, $"spent {spent} of {Budget}");
        Assert.True(spent >= Budget * 9 / 10, $"spent only {spent} of {Budget} in {requests} requests before the refusal");
    }

    [Fact]
    public async Task EveryAnswerToABudgetedClient_CarriesTheRemainingBudgetOfTheTightestPeriod_AndWhenItResets()
    {
        await using var gateway = await StartGatewayAsync("--Gateway:Clients:0:Budget:DailyUsd=5", "--Gateway:Clients:0:Budget:MonthlyUsd=5.5");
        await Db.StringSetAsync(SpendKeys.Month("test", DateTime.UtcNow), 1_000_000_000_000); // $1 this month: the month is tighter
        using var response = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var remaining = decimal.Parse(response.Headers.GetValues("x-budget-remaining-usd").Single(), CultureInfo.InvariantCulture);
        Assert.InRange(remaining, 4.49m, 4.5m); // $5.50 - $1 - this request's reservation
        var now = DateTime.UtcNow;
        var nextMonth = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(1);
        Assert.Equal(nextMonth.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture), response.Headers.GetValues("x-budget-resets").Single());

        // A client without a budget gets none.
        using var limited = new HttpClient { BaseAddress = gateway.BaseAddress };
        limited.DefaultRequestHeaders.Add("api-key", GatewayHost.LimitedClientKey);
        using var unbudgeted = await limited.PostAsync("v1/chat/completions", GatewayHost.ChatBody("gpt-4o-mini"));
        Assert.False(unbudgeted.Headers.Contains("x-budget-remaining-usd"));
    }

    [Fact]
    public async Task AModelWithoutAPrice_IsRefused403ForABudgetedClient_ABudgetThatCannotBeCheckedIsNotABudget()
    {
        await using var gateway = await StartGatewayAsync("--Gateway:Clients:0:Budget:DailyUsd=5",
            "--Gateway:Deployments:2:Name=eastus-unpriced", $"--Gateway:Deployments:2:Endpoint={_sim.BaseAddress}",
            "--Gateway:Deployments:2:Deployment=gpt-4o", "--Gateway:Deployments:2:Model=house-model", "--Gateway:Deployments:2:Region=eastus",
            "--Gateway:Deployments:2:Priority=1", "--Gateway:Deployments:2:ApiKey=sim-key");
        using var response = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody("house-model"));
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("model_not_priced", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("'house-model' has no price", error.RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    /// <summary>Sends <paramref name="count"/> streamed chat requests at once, round-robin over the targets, each read to the end.</summary>
    private static async Task<HttpStatusCode[]> SendConcurrentlyAsync((GatewayHost Gateway, string Key)[] targets, int count)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = new Task<HttpStatusCode>[count];
        for (var i = 0; i < count; i++)
        {
            var (gateway, key) = targets[i % targets.Length];
            var n = i;
            tasks[i] = Task.Run(async () =>
            {
                await start.Task;
                using var client = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
                client.DefaultRequestHeaders.Add("api-key", key);
                using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = LongStream(n) };
                using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
                await response.Content.ReadAsStringAsync();
                return response.StatusCode;
            });
        }

        start.SetResult();
        return await Task.WhenAll(tasks);
    }

    /// <summary>A streamed gpt-4o request with a prompt of about 2,000 tokens and max_tokens 300: a worst case of about $0.0145.</summary>
    private static StringContent LongStream(int n)
    {
        var text = new StringBuilder();
        for (var i = 0; i < 1000; i++)
        {
            text.Append(CultureInfo.InvariantCulture, $"word{(i + n) % 97} ");
        }

        return GatewayHost.Json($"{{\"model\":\"gpt-4o\",\"messages\":[{{\"role\":\"user\",\"content\":\"{text}\"}}],\"max_tokens\":300,\"stream\":true,\"stream_options\":{{\"include_usage\":true}}}}");
    }

    private static async Task<HttpResponseMessage> PostAsync(GatewayHost gateway, string key)
    {
        using var client = new HttpClient { BaseAddress = gateway.BaseAddress };
        client.DefaultRequestHeaders.Add("api-key", key);
        return await client.PostAsync("v1/chat/completions", LongStream(0));
    }

    /// <summary>Sends long streams one by one until one is refused (what is left no longer holds a worst case).</summary>
    private static async Task DrainAsync(GatewayHost gateway, string key)
    {
        for (var i = 0; i < 10; i++)
        {
            using var response = await PostAsync(gateway, key);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return;
            }
        }
    }

    /// <summary>The spend counter once every reservation of the scope is settled (all usage written).</summary>
    private async Task<long> SettledSpendAsync(string spendKey, string reservationKey)
    {
        await WaitUntilAsync(async () => (long)await Db.HashGetAsync(reservationKey, "n") == 0);
        return (long)await Db.StringGetAsync(spendKey);
    }

    /// <summary>
    /// The <c>spend</c> object of <c>/v1/usage</c> (these gateways have no Cosmos DB for the cost records, so it is read
    /// through the same reader the endpoint uses and serialized the same way; UsageApiTests covers the endpoint).
    /// </summary>
    private static async Task<JsonElement> LiveSpendAsync(GatewayHost gateway, string clientId)
    {
        var spend = await gateway.Services.GetRequiredService<LiveSpendReader>().ReadAsync(clientId, CancellationToken.None);
        var json = JsonSerializer.Serialize(spend, new JsonSerializerOptions(JsonSerializerDefaults.Web));
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }

    private async Task<GatewayHost> StartGatewayAsync(params string[] args)
    {
        var gateway = await GatewayHost.StartAsync(
            [new DeploymentSpec("eastus-gpt-4o", _sim.BaseAddress), new DeploymentSpec("eastus-gpt-4o-mini", _sim.BaseAddress, "gpt-4o-mini", "gpt-4o-mini")],
            [$"--ConnectionStrings:redis={_redis.ConnectionString}", "--Gateway:RateLimits:RedisTimeout=00:00:05", .. args]);
        return await gateway.WithRateLimiterConnectedAsync();
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition was not met in time");
            await Task.Delay(20);
        }
    }
}
