using AspireAoai.Accounting.Usage;
using AspireAoai.ServiceDefaults.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace AspireAoai.Api.Tests.Usage;

/// <summary>
/// Runs the Worker's cost aggregation (its own registrations, as in Worker/Program.cs) against a real Redis and Cosmos
/// server until every usage event the gateway wrote is applied, so a test can read the usage API's totals.
/// </summary>
internal static class WorkerAggregation
{
    /// <summary>Waits for <paramref name="expectedEvents"/> usage events, then aggregates until the stream is drained.</summary>
    public static async Task RunUntilDrainedAsync(string redis, string cosmos, string database, int expectedEvents)
    {
        using var connection = await ConnectionMultiplexer.ConnectAsync(redis);
        var db = connection.GetDatabase();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while ((await UsageStreamProbe.ReadAllAsync(db)).Count < expectedEvents)
        {
            Assert.True(DateTime.UtcNow < deadline, "the gateway did not write its usage events");
            await Task.Delay(50);
        }

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:redis"] = redis,
            ["ConnectionStrings:cosmos"] = cosmos,
            ["Cosmos:DatabaseName"] = database,
            ["Worker:PollInterval"] = "00:00:00.020",
        });
        builder.AddAoaiRedis();
        builder.AddAoaiCosmos();
        builder.AddCostAggregation();
        using var worker = builder.Build();
        await worker.StartAsync();
        try
        {
            while (true)
            {
                var info = await db.StreamInfoAsync(UsageStream.Key);
                var group = (await db.StreamGroupInfoAsync(UsageStream.Key)).FirstOrDefault(g => g.Name == UsageStream.ConsumerGroup);
                if (group.Name is not null && group.PendingMessageCount == 0 && group.LastDeliveredId == info.LastGeneratedId)
                {
                    break;
                }

                Assert.True(DateTime.UtcNow < deadline, "the Worker did not drain the usage stream");
                await Task.Delay(100);
            }
        }
        finally
        {
            await worker.StopAsync();
        }
    }
}
