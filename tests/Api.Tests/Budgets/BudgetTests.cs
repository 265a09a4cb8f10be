using System.Diagnostics.Metrics;
using System.Net;
using System.Text.Json;
using AspireAoai.Api.Auth;
using AspireAoai.Api.Budgets;
using AspireAoai.Api.RateLimiting;
using AspireAoai.Api.Tests.Infrastructure;
using AspireAoai.TestSupport;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace AspireAoai.Api.Tests.Budgets;

/// <summary>
/// Budgets through the whole gateway (GatewayApp in-process, simulator upstream, a real redis-server) with a fake clock
/// injected through <see cref="GatewayApp.Build(string[], Action{WebApplicationBuilder}?)"/>.
/// </summary>
public sealed class BudgetTests : IAsyncLifetime
{
    private const string FreeClientKey = "free-client-key";
    private static readonly DateTimeOffset Evening = new(2026, 11, 24, 18, 0, 0, TimeSpan.Zero);

    private RedisServer _redis = null!;
    private SimulatorHost _sim = null!;
    private ConnectionMultiplexer _mux = null!;

    private IDatabase Db => _mux.GetDatabase();

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _sim = await SimulatorHost.StartAsync("eastus");
        _mux = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString + ",allowAdmin=true");
    }

    public async Task DisposeAsync()
    {
        await _mux.DisposeAsync();
        await _sim.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task DailyBudget_OnceSpent_Refuses429NamingItWithRetryAfterToMidnight_AndTheNextDayAdmitsAgain()
    {
        var clock = new FakeTimeProvider(Evening);
        await using var gateway = await StartGatewayAsync(clock, usage: true, "--Gateway:Clients:0:Budget:DailyUsd=5", "--Gateway:Clients:0:Budget:MonthlyUsd=100");
        const string dayKey = "aoai:spend:test:2026-11-24";

        // Real usage writes the counter admission reads: the key named from the gateway's (fake) clock.
        await SendAsync(gateway, HttpStatusCode.OK);
        var first = await WaitForSpendAsync(dayKey, above: 0);

        // A cent left: the request's worst case (a few hundredths of a cent) fits, admitted.
        await Db.StringSetAsync(dayKey, 4_990_000_000_000);
        await SendAsync(gateway, HttpStatusCode.OK);
        await WaitForSpendAsync(dayKey, above: 4_990_000_000_000);

        // A picodollar left: the worst case does not fit, refused (even though most requests cost more than that anyway).
        await Db.StringSetAsync(dayKey, 4_999_999_999_999);
        await SendAsync(gateway, HttpStatusCode.TooManyRequests);

        await Db.StringSetAsync(dayKey, 5_010_000_000_000);
        using var refused = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var error = await ErrorAsync(refused);
        Assert.Equal("budget_exceeded", error.GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
        Assert.Contains("The daily budget of $5.00 for client 'test' cannot cover this request: $0.00 is left ($5.01 spent, $0.00 reserved by requests in flight) and this request could cost up to $0.0001",
            error.GetProperty("message").GetString());
        Assert.Contains("even if its real cost would have fitted. Lower max_tokens, or retry after the budget resets at 2026-11-25T00:00:00Z.",
            error.GetProperty("message").GetString());
        Assert.Equal("0", refused.Headers.GetValues("x-budget-remaining-usd").Single());
        Assert.Equal("2026-11-25T00:00:00Z", refused.Headers.GetValues("x-budget-resets").Single());
        Assert.Equal("21600", refused.Headers.GetValues("retry-after").Single());
        Assert.Equal("21600000", refused.Headers.GetValues("retry-after-ms").Single());

        // Exactly at the limit is spent too, and a refusal charges nothing.
        await Db.StringSetAsync(dayKey, 5_000_000_000_000);
        await SendAsync(gateway, HttpStatusCode.TooManyRequests);
        Assert.Equal(5_000_000_000_000, (long)await Db.StringGetAsync(dayKey));

        // Midnight (by the gateway's clock): a new day's counter, admitted again.
        clock.Advance(TimeSpan.FromHours(6));
        await SendAsync(gateway, HttpStatusCode.OK);
        await WaitForSpendAsync("aoai:spend:test:2026-11-25", above: 0);
        Assert.True(first > 0);
    }

    [Fact]
    public async Task MonthlyBudget_WithoutAnyRateLimit_RefusesUntilTheFirstOfTheNextMonth()
    {
        var clock = new FakeTimeProvider(Evening);
        await using var gateway = await StartGatewayAsync(clock, usage: false, "--Gateway:Clients:0:Budget:MonthlyUsd=100");
        await SendAsync(gateway, HttpStatusCode.OK);

        await Db.StringSetAsync("aoai:spend:test:2026-11", 100_250_000_000_000);
        using var refused = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        var error = await ErrorAsync(refused);
        Assert.Equal("budget_exceeded", error.GetProperty("code").GetString());
        Assert.Contains("The monthly budget of $100.00 for client 'test' cannot cover this request: $0.00 is left ($100.25 spent",
            error.GetProperty("message").GetString());
        Assert.Contains("resets at 2026-12-01T00:00:00Z", error.GetProperty("message").GetString());
        Assert.Equal(((6 * 24) + 6) * 3600, int.Parse(refused.Headers.GetValues("retry-after").Single()));

        clock.Advance(TimeSpan.FromDays(6).Add(TimeSpan.FromHours(5)));
        await SendAsync(gateway, HttpStatusCode.TooManyRequests); // still November
        clock.Advance(TimeSpan.FromHours(1));
        await SendAsync(gateway, HttpStatusCode.OK);
    }

    [Fact]
    public async Task BudgetRefusal_HasOpenAisQuotaErrorType()
    {
        await using var gateway = await StartGatewayAsync(new FakeTimeProvider(Evening), usage: false, "--Gateway:Clients:0:Budget:DailyUsd=5");
        await Db.StringSetAsync("aoai:spend:test:2026-11-24", 6_000_000_000_000);
        using var refused = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("insufficient_quota", (await ErrorAsync(refused)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task SoftThreshold_IsCountedOncePerPeriodPerReplica_AndTheSpendGaugeReportsIt()
    {
        var clock = new FakeTimeProvider(Evening);
        await using var gateway = await StartGatewayAsync(clock, usage: false, "--Gateway:Clients:0:Budget:DailyUsd=5",
            "--Gateway:Clients:0:Budget:SoftLimitPercent=80");
        var factory = gateway.Services.GetRequiredService<IMeterFactory>();
        var soft = new List<(long Value, Dictionary<string, object?> Tags)>();
        var spend = new List<(double Value, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == BudgetMonitor.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "aoai.budget.soft_limit_reached")
            {
                lock (soft) soft.Add((value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
            }
        });
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
        {
            if (instrument.Name == "aoai.budget.spend")
            {
                lock (spend) spend.Add((value, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
            }
        });
        listener.Start();

        await Db.StringSetAsync("aoai:spend:test:2026-11-24", 3_900_000_000_000); // 78 %: below
        await SendAsync(gateway, HttpStatusCode.OK);
        Assert.Empty(soft);

        await Db.StringSetAsync("aoai:spend:test:2026-11-24", 4_200_000_000_000); // 84 %
        for (var i = 0; i < 3; i++) await SendAsync(gateway, HttpStatusCode.OK);
        var once = Assert.Single(soft);
        Assert.Equal(1, once.Value);
        Assert.Equal("test", once.Tags["client"]);
        Assert.Equal("day", once.Tags["period"]);

        listener.RecordObservableInstruments();
        var gauge = Assert.Single(spend, s => Equals(s.Tags["period"], "day"));
        Assert.Equal(4.2, gauge.Value, 9);

        // The next day is a new period: counted again, once.
        clock.Advance(TimeSpan.FromDays(1));
        await Db.StringSetAsync("aoai:spend:test:2026-11-25", 4_500_000_000_000);
        for (var i = 0; i < 2; i++) await SendAsync(gateway, HttpStatusCode.OK);
        Assert.Equal(2, soft.Count);
    }

    [Fact]
    public async Task AGroupsSoftThresholdAndRefusals_AreCountedWithTheGroupTag()
    {
        await using var gateway = await StartGatewayAsync(new FakeTimeProvider(Evening), usage: false,
            "--Gateway:BudgetGroups:0:Id=team", "--Gateway:BudgetGroups:0:DailyUsd=5", "--Gateway:Clients:0:BudgetGroup=team");
        var factory = gateway.Services.GetRequiredService<IMeterFactory>();
        var seen = new List<(string Name, Dictionary<string, object?> Tags)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == BudgetMonitor.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, _, tags, _) =>
        {
            lock (seen) seen.Add((instrument.Name, tags.ToArray().ToDictionary(t => t.Key, t => t.Value)));
        });
        listener.Start();

        await Db.StringSetAsync("aoai:gspend:team:2026-11-24", 4_200_000_000_000); // 84 % of the group's $5
        await SendAsync(gateway, HttpStatusCode.OK);
        var soft = Assert.Single(seen, m => m.Name == "aoai.budget.soft_limit_reached");
        Assert.Equal("team", soft.Tags["group"]);
        Assert.Equal("day", soft.Tags["period"]);

        await Db.StringSetAsync("aoai:gspend:team:2026-11-24", 5_000_000_000_000);
        await SendAsync(gateway, HttpStatusCode.TooManyRequests);
        var exceeded = Assert.Single(seen, m => m.Name == "aoai.budget.exceeded");
        Assert.Equal("test", exceeded.Tags["client"]);
        Assert.Equal("team", exceeded.Tags["group"]);
        Assert.Equal("group", exceeded.Tags["budget"]);
    }

    [Fact]
    public async Task BudgetCheck_RidesOnTheAdmissionCall_AndClientsWithoutABudgetNeverReadTheSpend()
    {
        await using var gateway = await StartGatewayAsync(new FakeTimeProvider(Evening), usage: false,
            "--Gateway:Clients:0:Budget:DailyUsd=5", "--Gateway:Clients:0:Budget:MonthlyUsd=50",
            "--Gateway:Clients:2:Id=free", $"--Gateway:Clients:2:KeyHash={KeyHasher.HashHex(FreeClientKey)}", "--Gateway:Clients:2:Rpm=1000");
        using var free = new HttpClient { BaseAddress = gateway.BaseAddress };
        free.DefaultRequestHeaders.Add("api-key", FreeClientKey);
        await Db.StringSetAsync("aoai:spend:test:2026-11-24", 1_000_000_000_000);
        await SendAsync(gateway, HttpStatusCode.OK); // warm: script loaded, connections open

        var server = _mux.GetServer(_mux.GetEndPoints()[0]);
        await server.ConfigResetStatisticsAsync();
        await using (var monitor = await RedisMonitor.StartAsync(_redis.Port))
        {
            const int requests = 5;
            for (var i = 0; i < requests; i++)
            {
                await SendAsync(gateway, HttpStatusCode.OK);
                using var response = await free.PostAsync("v1/chat/completions", GatewayHost.ChatBody());
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            await WaitUntilAsync(() => monitor.Commands.Count(c => c.Name == "EVALSHA") >= 2 * requests);
            var commands = monitor.Commands;
            var fromClients = commands.Where(c => !c.FromScript).ToList();
            Assert.Equal(2 * requests, fromClients.Count(c => c.Name == "EVALSHA"));
            Assert.DoesNotContain(fromClients, c => c.Name is "GET" or "MGET");

            // The budgeted client's script read both counters; the other client's never read any.
            var gets = commands.Where(c => c.FromScript && c.Name == "GET").ToList();
            Assert.Equal(2 * requests, gets.Count);
            Assert.All(gets, g => Assert.StartsWith("\"aoai:spend:test:2026-11", g.Arguments, StringComparison.Ordinal));

            var stats = await CommandStatsAsync(server);
            Assert.Equal(2 * requests, stats.GetValueOrDefault("evalsha"));
            Assert.Equal(2 * requests, stats.GetValueOrDefault("get")); // all of them inside the scripts (see MONITOR)
        }
    }

    [Fact]
    public async Task RedisDown_AClientConfiguredToFailOpen_HasItsBudgetUnenforced()
    {
        // Budgets fail closed by default (BudgetFailureModeTests and the next test); this client asked for availability instead.
        await using var gateway = await StartGatewayAsync(TimeProvider.System, usage: false, "--Gateway:Clients:0:Budget:DailyUsd=1",
            "--Gateway:Clients:0:FailureMode=FailOpen");
        await Db.StringSetAsync(AspireAoai.Api.Budgets.SpendKeys.Day("test", DateTime.UtcNow), 2_000_000_000_000);
        await SendAsync(gateway, HttpStatusCode.TooManyRequests);

        // The replica remembers that refusal until midnight; past it, with Redis down, nothing refuses.
        gateway.Services.GetRequiredService<ClientGates>().ClockOverride = () => DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeMilliseconds();
        await _redis.StopAsync();
        await SendAsync(gateway, HttpStatusCode.OK);
    }

    [Fact]
    public async Task RedisDown_ByDefault_RefusesABudgetedClient503_WhileClientsWithoutABudgetFailOpen()
    {
        await using var gateway = await StartGatewayAsync(TimeProvider.System, usage: false, "--Gateway:Clients:0:Budget:DailyUsd=1",
            "--Gateway:Clients:2:Id=free", $"--Gateway:Clients:2:KeyHash={KeyHasher.HashHex(FreeClientKey)}", "--Gateway:Clients:2:Rpm=1000");
        using var free = new HttpClient { BaseAddress = gateway.BaseAddress };
        free.DefaultRequestHeaders.Add("api-key", FreeClientKey);
        await SendAsync(gateway, HttpStatusCode.OK);

        await _redis.StopAsync();
        await SendAsync(gateway, HttpStatusCode.ServiceUnavailable);
        using var unbudgeted = await free.PostAsync("v1/chat/completions", GatewayHost.ChatBody());
        Assert.Equal(HttpStatusCode.OK, unbudgeted.StatusCode); // fail-open still holds for clients without a budget
    }

    [Theory]
    [InlineData("--Gateway:Clients:0:Budget:DailyUsd=0", "Gateway:Clients:0:Budget:DailyUsd")]
    [InlineData("--Gateway:Clients:0:Budget:MonthlyUsd=-3", "Gateway:Clients:0:Budget:MonthlyUsd")]
    [InlineData("--Gateway:Clients:0:Budget:MonthlyUsd=2000000", "Gateway:Clients:0:Budget:MonthlyUsd")]
    [InlineData("--Gateway:Clients:0:Budget:SoftLimitPercent=0", "Gateway:Clients:0:Budget:SoftLimitPercent")]
    [InlineData("--Gateway:Clients:0:BudgetGroup=nobody", "Gateway:Clients:0:BudgetGroup 'nobody' names no entry of Gateway:BudgetGroups")]
    [InlineData("--Gateway:BudgetGroups:0:Id=team", "Gateway:BudgetGroups:0 needs DailyUsd or MonthlyUsd")]
    [InlineData("--Gateway:Budgets:ReservationTimeout=00:00:01", "Gateway:Budgets:ReservationTimeout")]
    [InlineData("--Gateway:Budgets:MaxOutputTokens:gpt-4o=0", "Gateway:Budgets:MaxOutputTokens:gpt-4o")]
    public async Task BadBudget_FailsTheStart_NamingTheKey(string setting, string key)
    {
        var ex = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => GatewayHost.StartAsync(
            [new DeploymentSpec("d", new Uri("http://127.0.0.1:1/"))], [setting]));
        Assert.Contains(key, ex.Message);
    }

    [Fact]
    public async Task DailyBudgetAboveTheMonthly_FailsTheStart()
    {
        var ex = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => GatewayHost.StartAsync(
            [new DeploymentSpec("d", new Uri("http://127.0.0.1:1/"))],
            ["--Gateway:Clients:0:Budget:DailyUsd=20", "--Gateway:Clients:0:Budget:MonthlyUsd=10"]));
        Assert.Contains("Gateway:Clients:0:Budget:DailyUsd must not exceed Gateway:Clients:0:Budget:MonthlyUsd", ex.Message);
    }

    private async Task<GatewayHost> StartGatewayAsync(TimeProvider clock, bool usage, params string[] args)
    {
        var gateway = await GatewayHost.StartAsync(
            [new DeploymentSpec("eastus-gpt-4o", _sim.BaseAddress)],
            [$"--ConnectionStrings:redis={_redis.ConnectionString}", "--Gateway:RateLimits:RedisTimeout=00:00:02",
                $"--Gateway:Usage:Enabled={usage}", .. args],
            builder => builder.Services.AddSingleton(clock));
        return await gateway.WithRateLimiterConnectedAsync();
    }

    private static async Task SendAsync(GatewayHost gateway, HttpStatusCode expected)
    {
        using var response = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());
        Assert.True(expected == response.StatusCode, $"expected {expected}, got {response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
    }

    private async Task<long> WaitForSpendAsync(string key, long above)
    {
        long value = 0;
        await WaitUntilAsync(async () => (value = (long)await Db.StringGetAsync(key)) > above);
        return value;
    }

    private static async Task<JsonElement> ErrorAsync(HttpResponseMessage response)
    {
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return doc.RootElement.GetProperty("error").Clone();
    }

    private static async Task<Dictionary<string, long>> CommandStatsAsync(IServer server)
    {
        var stats = new Dictionary<string, long>();
        foreach (var group in await server.InfoAsync("commandstats"))
        {
            foreach (var pair in group)
            {
                // cmdstat_evalsha: calls=5,usec=...
                var calls = pair.Value.Split(',')[0].Split('=')[1];
                stats[pair.Key.Replace("cmdstat_", "", StringComparison.Ordinal)] = long.Parse(calls);
            }
        }

        return stats;
    }

    private static Task WaitUntilAsync(Func<bool> condition) => WaitUntilAsync(() => Task.FromResult(condition()));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the condition was not met in time");
            await Task.Delay(50);
        }
    }
}
