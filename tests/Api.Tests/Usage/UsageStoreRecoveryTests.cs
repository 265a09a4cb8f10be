using System.Net;
using System.Text.Json;
using AspireAoai.Api.Tests.Infrastructure;
using AspireAoai.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AspireAoai.Api.Tests.Usage;

/// <summary>
/// Issue 22: the costs container deleted in place while the gateway and the Worker run. Both carry on: requests never
/// fail, the Worker re-creates the container and applies every event it had not acknowledged, and the usage API (which
/// re-creates it too if it gets there first) reports exactly the usage the clients saw since the deletion.
/// </summary>
public sealed class UsageStoreRecoveryTests : IAsyncLifetime
{
    private readonly string _database = "r" + Guid.NewGuid().ToString("N")[..10];
    private RedisServer _redis = null!;
    private CosmosServer _cosmos = null!;
    private SimulatorHost _sim = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _cosmos = await CosmosServer.StartAsync();
        _sim = await SimulatorHost.StartAsync("eastus");
    }

    public async Task DisposeAsync()
    {
        await _sim.DisposeAsync();
        await _redis.DisposeAsync();
        await _cosmos.DisposeAsync();
    }

    [Fact]
    public async Task CostsContainerDeletedWhileTheGatewayAndTheWorkerRun_BothCarryOn_AndUsageEqualsWhatClientsSawSinceTheDeletion()
    {
        await using var gateway = await GatewayHost.StartAsync([new DeploymentSpec("eastus-gpt-4o", _sim.BaseAddress)],
        [
            $"--ConnectionStrings:redis={_redis.ConnectionString}",
            $"--ConnectionStrings:cosmos={_cosmos.ConnectionString}",
            $"--Cosmos:DatabaseName={_database}",
        ]);
        using var worker = BuildWorker();
        await worker.StartAsync();
        try
        {
            var before = await SendAsync(gateway, 6);
            await WaitForUsageAsync(gateway, before);

            using (var client = _cosmos.CreateClient())
            {
                await client.GetContainer(_database, "costs").DeleteContainerAsync();
            }

            // Straight after the deletion: the usage API answers (re-creating the container), it does not fail.
            using (var right = await gateway.Http.GetAsync(UsagePath))
            {
                Assert.Equal(HttpStatusCode.OK, right.StatusCode);
            }

            var after = await SendAsync(gateway, 9);
            await WaitForUsageAsync(gateway, after);
        }
        finally
        {
            await worker.StopAsync();
        }
    }

    private static string UsagePath
    {
        get
        {
            var today = DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
            return $"v1/usage?from={today}&to={today}";
        }
    }

    /// <summary>Sends <paramref name="count"/> chat requests (all must succeed); the usage their answers showed.</summary>
    private static async Task<(long Requests, long Input, long Output)> SendAsync(GatewayHost gateway, int count)
    {
        long input = 0, output = 0;
        for (var i = 0; i < count; i++)
        {
            using var response = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody(maxTokens: 10 + i, text: $"Recovery {i}"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var usage = body.RootElement.GetProperty("usage");
            input += usage.GetProperty("prompt_tokens").GetInt64();
            output += usage.GetProperty("completion_tokens").GetInt64();
        }

        return (count, input, output);
    }

    /// <summary>Waits until the usage API reports exactly <paramref name="expected"/> for today (never more).</summary>
    private static async Task WaitForUsageAsync(GatewayHost gateway, (long Requests, long Input, long Output) expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        (long, long, long) seen = default;
        while (true)
        {
            using var response = await gateway.Http.GetAsync(UsagePath);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                var totals = body.RootElement.GetProperty("totals");
                seen = (totals.GetProperty("requests").GetInt64(), totals.GetProperty("inputTokens").GetInt64(), totals.GetProperty("outputTokens").GetInt64());
                Assert.True(seen.Item1 <= expected.Requests, $"more requests than sent: {seen} > {expected}");
                if (seen == expected) return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"usage stayed at {seen} (status {(int)response.StatusCode}), expected {expected}");
            await Task.Delay(200);
        }
    }

    /// <summary>The Worker's cost aggregation (its own registrations, as in Worker/Program.cs), running alongside the gateway.</summary>
    private IHost BuildWorker()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = _redis.ConnectionString,
            ["ConnectionStrings:cosmos"] = _cosmos.ConnectionString,
            ["Cosmos:DatabaseName"] = _database,
            ["Worker:PollInterval"] = "00:00:00.020",
            ["Worker:ErrorBackoff"] = "00:00:00.100",
        });
        builder.AddAoaiRedis();
        builder.AddAoaiCosmos();
        builder.AddCostAggregation();
        return builder.Build();
    }
}
