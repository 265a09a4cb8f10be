using AspireAoai.Accounting.Usage;
using AspireAoai.TestSupport;
using AspireAoai.Worker.Usage;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace AspireAoai.Worker.Tests.ExactlyOnce;

/// <summary>
/// The exactly-once promise under the failure that matters: the Worker process is SIGKILLed at arbitrary points
/// (between read, document writes and acknowledgement) while events keep arriving, again and again, sometimes
/// two replicas at once. After a final Worker drains the stream, every total equals the sum of the events.
/// </summary>
[Collection(ServersCollection.Name)]
public class KilledWorkerTests(RedisAndCosmosFixture servers, ITestOutputHelper output)
{
    [Fact]
    public async Task KilledWithSigkillRepeatedlyWhileEventsFlow_TotalsAreExactAfterRestart()
    {
        await using var kit = new UsageTestKit(servers.Redis.ConnectionString, servers.Cosmos.ConnectionString, seed: 42);
        var settings = kit.Settings(claimIdle: TimeSpan.FromSeconds(1));
        settings["Worker:BatchSize"] = "25";
        settings["Worker:WriteConcurrency"] = "4";
        var events = Enumerable.Range(0, 3000).Select(_ => kit.NextEvent()).ToList();
        var random = new Random(42);

        // Producer: 100 chunks over ~20 s, with a malformed entry now and then; every other chunk in entries of several
        // events (as the Api writes them), the rest an entry per event.
        var producer = Task.Run(async () =>
        {
            var n = 0;
            var sizes = new Random(7);
            foreach (var chunk in events.Chunk(30))
            {
                await (n % 2 == 0 ? kit.PublishEntriesAsync(chunk, sizes) : kit.PublishAsync(chunk));
                if (++n % 25 == 0) await kit.Db.StreamAddAsync(kit.StreamKey, [new NameValueEntry("v", "1"), new NameValueEntry("junk", n)]);
                await Task.Delay(200);
            }
        });

        var (kills, killedWithPending) = await RunKillRoundsAsync(kit, settings, random);

        await producer;
        var before = await kit.Db.StreamPendingAsync(kit.StreamKey, UsageStream.ConsumerGroup);
        var groupBefore = (await kit.Db.StreamGroupInfoAsync(kit.StreamKey)).Single(g => g.Name == UsageStream.ConsumerGroup);
        output.WriteLine($"{kills} kills; {killedWithPending} times a killed consumer held pending entries; " +
                         $"{before.PendingMessageCount} pending, last delivered {groupBefore.LastDeliveredId} before the final run");

        using (var final = WorkerProcess.Start(settings))
        {
            await kit.WaitUntilDrainedAsync(TimeSpan.FromSeconds(90));
            Assert.True(final.Stop(TimeSpan.FromSeconds(20)), "the Worker did not stop on SIGTERM:\n" + final.Output);
        }

        // The killed replicas did real work, and left some of it unacknowledged for the final one to take over.
        Assert.True(StreamId.TryParse(groupBefore.LastDeliveredId, out var delivered) && delivered > StreamId.Zero);
        Assert.True(killedWithPending > 0, "no kill landed while a consumer held entries: the test did not exercise a crash mid-batch");
        await kit.AssertTotalsAsync(events);

        var dead = await kit.Db.StreamRangeAsync(kit.DeadLetterKey);
        Assert.Equal(4, dead.Select(d => (string?)d[UsageFields.DeadLetterSourceId]).Distinct().Count());
    }

    /// <summary>Rounds that go on past eight until a kill has landed mid-batch, within the producer's ~20 s.</summary>
    private const int MaxRounds = 16;

    /// <summary>Eight rounds of start, wait until reading, run a little, SIGKILL; sometimes two replicas at once.</summary>
    private static async Task<(int Kills, int KilledWithPending)> RunKillRoundsAsync(UsageTestKit kit, Dictionary<string, string?> settings, Random random)
    {
        var kills = 0;
        var killedWithPending = 0;
        var started = new List<WorkerProcess>(); // a failed assertion must not leave Workers running
        try
        {
            // Eight rounds, and more (while the producer still writes) until a kill has landed mid-batch: a Worker on a
            // quiet machine acknowledges a batch within milliseconds, so eight random kills can all miss (CI at 5f8c8a8).
            for (var round = 0; round < 8 || (killedWithPending == 0 && round < MaxRounds); round++)
            {
                var replicas = round % 3 == 1 ? 2 : 1;
                var names = Enumerable.Range(0, replicas).Select(i => $"killed-{round}-{i}").ToList();
                var workers = names.Select(name => WorkerProcess.Start(new Dictionary<string, string?>(settings) { ["Worker:ConsumerName"] = name })).ToList();
                started.AddRange(workers);

                // Kill at a random point after the replicas have started reading (start-up time varies with load).
                await WaitUntilConsumersReadAsync(kit, names, workers);
                await Task.Delay(random.Next(200, 1500));
                foreach (var worker in workers)
                {
                    Assert.False(worker.HasExited, "the Worker exited on its own:\n" + worker.Output);
                    worker.KillHard();
                    kills++;
                    await Task.Delay(random.Next(0, 150));
                }

                // Dead consumers holding entries (each is counted in every later round too; any is enough).
                if ((await kit.Db.StreamGroupInfoAsync(kit.StreamKey)).Any(g => g.Name == UsageStream.ConsumerGroup))
                {
                    var consumers = await kit.Db.StreamConsumerInfoAsync(kit.StreamKey, UsageStream.ConsumerGroup);
                    killedWithPending += consumers.Count(c => c.PendingMessageCount > 0);
                }
            }
        }
        finally
        {
            foreach (var worker in started) worker.Dispose();
        }

        return (kills, killedWithPending);
    }

    /// <summary>
    /// Waits until each replica's consume loop runs (its debug line for a claim scan appears). The group's consumer list
    /// is no signal: Redis 7.0 creates a consumer only when XREADGROUP or XAUTOCLAIM hands it entries.
    /// </summary>
    private static async Task WaitUntilConsumersReadAsync(UsageTestKit kit, List<string> names, List<WorkerProcess> workers)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!workers.All(w => w.Output.Contains("Claim scan took", StringComparison.Ordinal)))
        {
            foreach (var worker in workers) Assert.False(worker.HasExited, "the Worker exited on its own:\n" + worker.Output);
            Assert.True(DateTime.UtcNow < deadline,
                $"{string.Join(", ", names)} did not start consuming {kit.StreamKey} within 60 s:\n" + string.Join("\n----\n", workers.Select(w => w.Output)));
            await Task.Delay(50);
        }
    }
}
