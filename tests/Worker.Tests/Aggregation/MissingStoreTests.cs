using AspireAoai.Accounting.Usage;
using AspireAoai.ServiceDefaults.Cosmos;
using AspireAoai.TestSupport;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace AspireAoai.Worker.Tests.Aggregation;

/// <summary>
/// Issue 22: the Worker outlives its stores coming back empty. A deleted costs container is re-created; while it is
/// missing no usage entry is acknowledged, and once it is back they are applied exactly once. A redis-server restarted
/// with its data folder keeps the entries the Worker had not applied.
/// </summary>
[Collection(ServersCollection.Name)]
public class MissingStoreTests(RedisAndCosmosFixture servers)
{
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task CostsContainerDeletedWhileTheWorkerRuns_IsRecreated_AndEventsAfterTheDeletionEndInExactTotals()
    {
        await using var kit = new UsageTestKit(servers.Redis.ConnectionString, servers.Cosmos.ConnectionString, seed: 22);
        var before = Enumerable.Range(0, 100).Select(_ => kit.NextEvent()).ToList();
        var after = Enumerable.Range(0, 150).Select(_ => kit.NextEvent()).ToList();
        using var worker = kit.BuildWorker(new() { ["Worker:ErrorBackoff"] = "00:00:00.100" });
        await worker.StartAsync();
        await kit.PublishAsync(before);
        await kit.WaitUntilDrainedAsync(Drain);

        // An operator deletes the container in place; its totals go with it. The Worker remembers documents and etags of
        // the old container: none of that may leak into the new one.
        await kit.Costs.DeleteContainerAsync();
        await kit.PublishEntriesAsync(after, new Random(5));
        await kit.WaitUntilDrainedAsync(Drain);
        await worker.StopAsync();

        await kit.AssertTotalsAsync(after);
    }

    [Fact]
    public async Task CostsContainerMissing_WithCreateResourcesOff_EntriesStayPending_OneErrorNamesIt_HealthIsDegraded_ThenTotalsAreExact()
    {
        await using var kit = new UsageTestKit(servers.Redis.ConnectionString, servers.Cosmos.ConnectionString, seed: 23);
        // As in Azure: the templates create the resources, the app may not.
        var database = (await kit.Cosmos.CreateDatabaseIfNotExistsAsync(kit.DatabaseName)).Database;
        await database.CreateContainerIfNotExistsAsync(new ContainerProperties("cache", CosmosOptions.PartitionKeyPath));
        await database.CreateContainerIfNotExistsAsync(new ContainerProperties("costs", CosmosOptions.PartitionKeyPath));
        var before = Enumerable.Range(0, 50).Select(_ => kit.NextEvent()).ToList();
        var whileMissing = Enumerable.Range(0, 200).Select(_ => kit.NextEvent()).ToList();
        var logs = new CapturedLogs();
        using var worker = kit.BuildWorker(new() { ["Cosmos:CreateResources"] = "false", ["Worker:ErrorBackoff"] = "00:00:00.100" }, logs: logs);
        await worker.StartAsync();
        await kit.PublishAsync(before);
        await kit.WaitUntilDrainedAsync(Drain);

        await kit.Costs.DeleteContainerAsync();
        await kit.PublishEntriesAsync(whileMissing, new Random(6));
        await Task.Delay(TimeSpan.FromSeconds(3)); // several back-off rounds of the Worker

        var pending = (await kit.Db.StreamPendingAsync(kit.StreamKey, UsageStream.ConsumerGroup)).PendingMessageCount;
        Assert.True(pending > 0, "entries read while the container is missing stay pending");
        var containerStillMissing = await Assert.ThrowsAsync<CosmosException>(() => kit.Costs.ReadContainerAsync());
        Assert.Equal(System.Net.HttpStatusCode.NotFound, containerStillMissing.StatusCode);
        var health = await worker.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains("ready"));
        Assert.Equal(HealthStatus.Degraded, health.Status);
        Assert.Contains("'costs'", health.Entries["cosmos"].Description);
        var errors = logs.Entries.Where(e => e.Level == LogLevel.Error && e.Message.Contains("'costs'", StringComparison.Ordinal)).ToList();
        Assert.Single(errors);
        Assert.Contains("CreateResources", errors[0].Message);

        // The operator creates it again: the pending entries land, exactly once.
        await database.CreateContainerAsync(new ContainerProperties("costs", CosmosOptions.PartitionKeyPath));
        await kit.WaitUntilDrainedAsync(Drain);
        health = await worker.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains("ready"));
        await worker.StopAsync();

        await kit.AssertTotalsAsync(whileMissing);
        Assert.Equal(HealthStatus.Healthy, health.Status);
    }

    [Fact]
    public async Task RedisKilledAndRestartedWithItsDataFolder_KeepsTheEntriesNotYetApplied_AndTotalsEndExact()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "aoai-redis-test-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            await using var redis = await RedisServer.StartAsync(dataDirectory);
            await using var kit = new UsageTestKit(redis.ConnectionString, servers.Cosmos.ConnectionString, seed: 24);
            var applied = Enumerable.Range(0, 100).Select(_ => kit.NextEvent()).ToList();
            var unapplied = Enumerable.Range(0, 150).Select(_ => kit.NextEvent()).ToList();

            using (var first = kit.BuildWorker(new() { ["Worker:ErrorBackoff"] = "00:00:00.100" }))
            {
                await first.StartAsync();
                await kit.PublishAsync(applied);
                await kit.WaitUntilDrainedAsync(Drain);
                await first.StopAsync();
            }

            await kit.PublishEntriesAsync(unapplied, new Random(7));
            // appendfsync everysec: what was written more than a second ago is on disk, even through a SIGKILL.
            await Task.Delay(TimeSpan.FromSeconds(2));
            redis.Kill();
            await redis.RestartAsync();
            await WaitForRedisAsync(kit);

            using var second = kit.BuildWorker(new() { ["Worker:ErrorBackoff"] = "00:00:00.100" });
            await second.StartAsync();
            await kit.WaitUntilDrainedAsync(Drain);
            await second.StopAsync();

            // Entries and the group (its position and pending list) survived: every event is in the totals exactly once.
            await kit.AssertTotalsAsync([.. applied, .. unapplied]);
        }
        finally
        {
            try
            {
                Directory.Delete(dataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static async Task WaitForRedisAsync(UsageTestKit kit)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                await kit.Db.PingAsync();
                return;
            }
            catch (StackExchange.Redis.RedisConnectionException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }
}
