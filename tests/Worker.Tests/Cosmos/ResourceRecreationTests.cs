using System.Diagnostics;
using AspireAoai.ServiceDefaults.Cosmos;
using AspireAoai.TestSupport;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AspireAoai.Worker.Tests.Cosmos;

/// <summary>
/// <see cref="CosmosResourceInitializer"/> re-creating what went missing: every caller of a process shares one attempt,
/// and failing attempts are spaced by a back-off instead of looping.
/// </summary>
[Collection(ServersCollection.Name)]
public class ResourceRecreationTests(RedisAndCosmosFixture servers)
{
    private static IHost Build(string connectionString, string database)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:cosmos"] = connectionString,
            ["Cosmos:DatabaseName"] = database,
        });
        builder.AddAoaiCosmos();
        return builder.Build();
    }

    [Fact]
    public async Task ADeletedDatabase_IsRecreatedByOneAttempt_SharedByEveryConcurrentCaller()
    {
        var database = "re-" + Guid.NewGuid().ToString("N")[..8];
        using var host = Build(servers.Cosmos.ConnectionString, database);
        await host.StartAsync();
        var containers = host.Services.GetRequiredService<AoaiContainers>();
        await containers.WhenReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        using var client = servers.Cosmos.CreateClient();
        await client.GetDatabase(database).DeleteAsync();

        containers.ReportMissing(containers.Cache);
        var attempts = new Task<bool>[20];
        Parallel.For(0, attempts.Length, i => attempts[i] = containers.EnsureAsync(CancellationToken.None));
        var ok = await attempts[0];
        await host.StopAsync();

        Assert.All(attempts, attempt => Assert.Same(attempts[0], attempt)); // one shared attempt
        Assert.True(ok);
        Assert.True(containers.IsAvailable(containers.Cache));
        Assert.Equal("/clientId", (await client.GetContainer(database, "cache").ReadContainerAsync()).Resource.PartitionKeyPath);
        Assert.Equal("/clientId", (await client.GetContainer(database, "costs").ReadContainerAsync()).Resource.PartitionKeyPath);
    }

    [Fact]
    public async Task WhileCosmosIsDown_AttemptsAreSpacedByABackoff_NotALoop()
    {
        var port = FreePort.Next(); // nothing listens there
        using var host = Build($"AccountEndpoint=http://127.0.0.1:{port}/;AccountKey={CosmosServer.WellKnownKey};", "down");
        var containers = host.Services.GetRequiredService<AoaiContainers>();

        // A caller that asks again as soon as an attempt fails, for 2 s: the back-off (100 ms doubling to 5 s) paces it.
        var attempts = 0;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(2))
        {
            Assert.False(await containers.EnsureAsync(CancellationToken.None));
            attempts++;
        }

        // 0 + 100 + 200 + 400 + 800 + 1600 ms of waits: at most 6 attempts start within 2 s (plus the one running then).
        Assert.InRange(attempts, 1, 7);
    }
}
