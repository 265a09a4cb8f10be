using System.Net;
using AspireAoai.Api.Auth;
using AspireAoai.Api.Tests.Infrastructure;
using AspireAoai.Api.Tests.Usage;
using AspireAoai.TestSupport;
using Microsoft.Azure.Cosmos;

namespace AspireAoai.Api.Tests.UsageReports;

/// <summary>
/// What the usage API and usage page tests run on: a redis-server and a simulator of their own, a database of their own
/// in the collection's Cosmos server, gateways wired to all three, and the Worker's aggregation run in-process.
/// </summary>
public sealed class UsageStack : IAsyncDisposable
{
    /// <summary>The key of the gateway's third client, <c>other</c>.</summary>
    public const string OtherKey = "other-client-key";

    private readonly CosmosFixture _cosmos;

    private UsageStack(CosmosFixture cosmos, string database, RedisServer redis, SimulatorHost simulator)
    {
        _cosmos = cosmos;
        Database = database;
        Redis = redis;
        Simulator = simulator;
    }

    public string Database { get; }

    public RedisServer Redis { get; }

    public SimulatorHost Simulator { get; }

    public static async Task<UsageStack> StartAsync(CosmosFixture cosmos, string databasePrefix)
    {
        var redis = await RedisServer.StartAsync();
        // o4-mini thinks: 64 reasoning tokens per answer, billed in completion_tokens and reported apart.
        var simulator = await SimulatorHost.StartAsync("eastus", "--Simulator:Deployments:3:Name=o4-mini", "--Simulator:Deployments:3:ReasoningTokens=64");
        return new UsageStack(cosmos, databasePrefix + Guid.NewGuid().ToString("N")[..10], redis, simulator);
    }

    /// <summary>
    /// A gateway with gpt-4o, gpt-4o-mini and o4-mini deployments, a third client <c>other</c>, the cache off (the usage
    /// API brings its own Cosmos registration), and the usage API on <paramref name="cosmosConnectionString"/> (none: null).
    /// </summary>
    public Task<GatewayHost> StartGatewayAsync(string? cosmosConnectionString, params string[] args)
    {
        var all = new List<string>
        {
            $"--ConnectionStrings:redis={Redis.ConnectionString}",
            $"--Cosmos:DatabaseName={Database}",
            "--Cosmos:InitializationTimeout=00:00:05",
            "--Gateway:Cache:Enabled=false",
            "--Gateway:Clients:2:Id=other",
            $"--Gateway:Clients:2:KeyHash={KeyHasher.HashHex(OtherKey)}",
        };
        if (cosmosConnectionString is not null) all.Add($"--ConnectionStrings:cosmos={cosmosConnectionString}");
        all.AddRange(args);
        return GatewayHost.StartAsync(
            [new DeploymentSpec("eastus-gpt-4o", Simulator.BaseAddress), new DeploymentSpec("eastus-gpt-4o-mini", Simulator.BaseAddress, "gpt-4o-mini", "gpt-4o-mini"),
             new DeploymentSpec("eastus-o4-mini", Simulator.BaseAddress, "o4-mini", "o4-mini")],
            all);
    }

    /// <summary>Ten requests, ten usage events: the test client 4 on gpt-4o and 3 on gpt-4o-mini, <c>other</c> 3 on gpt-4o.</summary>
    public static async Task SendTwoClientsTrafficAsync(GatewayHost gateway)
    {
        using var other = new HttpClient { BaseAddress = gateway.BaseAddress };
        other.DefaultRequestHeaders.Add("api-key", OtherKey);
        for (var i = 0; i < 4; i++)
        {
            using var a = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody(maxTokens: 20));
            Assert.Equal(HttpStatusCode.OK, a.StatusCode);
        }

        for (var i = 0; i < 3; i++)
        {
            using var b = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody(model: "gpt-4o-mini", maxTokens: 20));
            Assert.Equal(HttpStatusCode.OK, b.StatusCode);
            using var c = await other.PostAsync("v1/chat/completions", GatewayHost.ChatBody(maxTokens: 20));
            Assert.Equal(HttpStatusCode.OK, c.StatusCode);
        }
    }

    /// <summary>The Worker's own aggregation, until it has written <paramref name="expectedEvents"/> events to the database.</summary>
    public Task AggregateAsync(int expectedEvents)
        => WorkerAggregation.RunUntilDrainedAsync(Redis.ConnectionString, _cosmos.Server.ConnectionString, Database, expectedEvents);

    public async ValueTask DisposeAsync()
    {
        await Simulator.DisposeAsync();
        await Redis.DisposeAsync();
        try
        {
            using var client = _cosmos.Server.CreateClient();
            await client.GetDatabase(Database).DeleteAsync();
        }
        catch (CosmosException)
        {
            // best effort: the server is in memory
        }
    }
}
