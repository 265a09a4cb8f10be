using AspireAoai.TestSupport;

namespace AspireAoai.Worker.Tests.Aggregation;

/// <summary>The Worker outlives its Redis: a restart (empty, no persistence) does not stop aggregation.</summary>
[Collection(ServersCollection.Name)]
public class RedisOutageTests(RedisAndCosmosFixture servers)
{
    [Fact]
    public async Task RedisRestartsEmpty_WorkerRecreatesTheGroup_AndKeepsAggregating()
    {
        await using var redis = await RedisServer.StartAsync(); // its own server: this test restarts it
        await using var kit = new UsageTestKit(redis.ConnectionString, servers.Cosmos.ConnectionString, seed: 13);
        var before = Enumerable.Range(0, 100).Select(_ => kit.NextEvent()).ToList();
        var after = Enumerable.Range(0, 100).Select(_ => kit.NextEvent()).ToList();
        using var worker = kit.BuildWorker(new() { ["Worker:ErrorBackoff"] = "00:00:00.100" });
        await worker.StartAsync();
        await kit.PublishAsync(before);
        await kit.WaitUntilDrainedAsync(TimeSpan.FromSeconds(60));

        await redis.RestartAsync();
        await Task.Delay(500); // let the Worker notice the outage
        await WaitUntilAsync(async () =>
        {
            try
            {
                await kit.Db.PingAsync(); // reconnected; publish once below so no event is added twice
                return true;
            }
            catch (StackExchange.Redis.RedisConnectionException)
            {
                return false;
            }
        });
        await kit.PublishAsync(after);
        await kit.WaitUntilDrainedAsync(TimeSpan.FromSeconds(60));
        await worker.StopAsync();

        await kit.AssertTotalsAsync([.. before, .. after]);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met in 30 s");
            await Task.Delay(200);
        }
    }
}
