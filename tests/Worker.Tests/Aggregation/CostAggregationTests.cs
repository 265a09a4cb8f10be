using AspireAoai.Accounting.Usage;
using AspireAoai.TestSupport;
using AspireAoai.Worker.Aggregation;
using AspireAoai.Worker.Usage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireAoai.Worker.Tests.Aggregation;

/// <summary>The Worker's pipeline end to end against real redis-server and the real Node Cosmos server.</summary>
[Collection(ServersCollection.Name)]
public class CostAggregationTests(RedisAndCosmosFixture servers)
{
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(60);

    private UsageTestKit Kit(int seed = 1) => new(servers.Redis.ConnectionString, servers.Cosmos.ConnectionString, seed);

    [Fact]
    public async Task Events_AreAggregatedPerClientDayModelAndDeployment_WithDailyAndMonthlySpend()
    {
        await using var kit = Kit(seed: 7);
        var events = Enumerable.Range(0, 400).Select(_ => kit.NextEvent()).ToList();
        await kit.PublishAsync(events);

        using var worker = kit.BuildWorker();
        await worker.StartAsync();
        await kit.WaitUntilDrainedAsync(Drain);
        await worker.StopAsync();

        await kit.AssertTotalsAsync(events);
        var docs = await kit.ReadDocumentsAsync("client-0");
        Assert.Contains("spend|2026-03", docs.Keys);
        Assert.Contains("spend|2026-04", docs.Keys);
        Assert.Contains(docs.Values, d => d.Model == "experimental-model" && d.Unpriced && d.Cost is null);
    }

    [Fact]
    public async Task MalformedEntries_GoToTheDeadLetterStream_AndDoNotStopTheWorker()
    {
        await using var kit = Kit(seed: 3);
        var good = Enumerable.Range(0, 50).Select(_ => kit.NextEvent()).ToList();
        await kit.PublishAsync(good.Take(25));
        await kit.Db.StreamAddAsync(kit.StreamKey, [new NameValueEntry("v", "1"), new NameValueEntry("client", "x")]);
        var negative = System.Text.Json.Nodes.JsonNode.Parse((string)good[0].ToStreamFields()[1].Value!)!.AsArray()[0]!.AsArray();
        negative[UsageEventCodec.PackedOrder.ToList().IndexOf(UsageFields.InputTokens)] = -1;
        await kit.Db.StreamAddAsync(kit.StreamKey, [new NameValueEntry("v", UsageStream.SchemaVersion), new NameValueEntry("e", $"[{negative.ToJsonString()}]")]);
        await kit.PublishAsync(good.Skip(25));

        using var worker = kit.BuildWorker();
        await worker.StartAsync();
        await kit.WaitUntilDrainedAsync(Drain);
        await worker.StopAsync();

        await kit.AssertTotalsAsync(good);
        var dead = await kit.Db.StreamRangeAsync(kit.DeadLetterKey);
        Assert.Equal(2, dead.Length);
        Assert.Equal("field 'rid' is missing", (string?)dead[0][UsageFields.DeadLetterReason]);
        Assert.Equal("event 0: field 'in' is not a non-negative integer", (string?)dead[1][UsageFields.DeadLetterReason]);
        Assert.All(dead, d => Assert.False(d[UsageFields.DeadLetterSourceId].IsNullOrEmpty));
    }

    [Fact]
    public async Task PendingEntriesOfADeadConsumer_AreClaimed_AndPartlyWrittenDocumentsAreNotDoubleCounted()
    {
        await using var kit = Kit(seed: 11);
        var events = Enumerable.Range(0, 300).Select(_ => kit.NextEvent()).ToList();
        await kit.Db.StreamCreateConsumerGroupAsync(kit.StreamKey, UsageStream.ConsumerGroup, StreamPosition.Beginning, createStream: true);
        await kit.PublishAsync(events);

        // A consumer takes 200 entries, writes some of their documents, and dies before acknowledging.
        var taken = await kit.Db.StreamReadGroupAsync(kit.StreamKey, UsageStream.ConsumerGroup, "dead-consumer", ">", 200);
        Assert.Equal(200, taken.Length);
        using (var crashed = kit.BuildWorker())
        {
            var initializer = crashed.Services.GetRequiredService<AspireAoai.ServiceDefaults.Cosmos.CosmosResourceInitializer>();
            await initializer.StartAsync(CancellationToken.None);
            await initializer.Ready.WaitAsync(TimeSpan.FromSeconds(30));
            var store = crashed.Services.GetRequiredService<IAggregateStore>();
            var written = 0;
            foreach (var entry in taken.Take(120))
            {
                Assert.True(UsageEventCodec.TryParse(entry, out var usage, out _));
                var applied = new AppliedEvent(StreamId.Parse(entry.Id!), usage, AspireAoai.Accounting.Pricing.CostCalculator.Calculate(usage,
                    crashed.Services.GetRequiredService<AspireAoai.Accounting.Pricing.IPriceTable>()));
                // Only the usage document and the daily spend: the monthly one "was not reached".
                foreach (var key in AggregateKey.For(usage).Take(2))
                {
                    await store.ApplyAsync(key, [applied], StreamId.Zero, CancellationToken.None);
                    written++;
                }
            }

            await initializer.StopAsync(CancellationToken.None);
            Assert.Equal(240, written);
        }

        var pendingBefore = await kit.Db.StreamPendingAsync(kit.StreamKey, UsageStream.ConsumerGroup);
        Assert.Equal(200, pendingBefore.PendingMessageCount);

        using var worker = kit.BuildWorker(claimIdle: TimeSpan.FromMilliseconds(500));
        await worker.StartAsync();
        await kit.WaitUntilDrainedAsync(Drain);
        await worker.StopAsync();

        await kit.AssertTotalsAsync(events);
        var consumers = await kit.Db.StreamConsumerInfoAsync(kit.StreamKey, UsageStream.ConsumerGroup);
        Assert.Equal(0, consumers.Single(c => c.Name == "dead-consumer").PendingMessageCount);
    }

    [Fact]
    public async Task EntriesOfSeveralEvents_PartlyWrittenByADeadConsumer_AreNotDoubleCounted()
    {
        await using var kit = Kit(seed: 13);
        var events = Enumerable.Range(0, 600).Select(_ => kit.NextEvent()).ToList();
        await kit.Db.StreamCreateConsumerGroupAsync(kit.StreamKey, UsageStream.ConsumerGroup, StreamPosition.Beginning, createStream: true);
        await kit.PublishEntriesAsync(events, new Random(13));

        // A consumer takes every entry, writes some documents of the first half as the Worker does (all of an entry's
        // events for a document in one write), and dies before acknowledging.
        var taken = await kit.Db.StreamReadGroupAsync(kit.StreamKey, UsageStream.ConsumerGroup, "dead-consumer", ">", 1000);
        Assert.True(taken.Length is > 2 and < 600, $"{taken.Length} entries for 600 events");
        using (var crashed = kit.BuildWorker())
        {
            var initializer = crashed.Services.GetRequiredService<AspireAoai.ServiceDefaults.Cosmos.CosmosResourceInitializer>();
            await initializer.StartAsync(CancellationToken.None);
            await initializer.Ready.WaitAsync(TimeSpan.FromSeconds(30));
            var store = crashed.Services.GetRequiredService<IAggregateStore>();
            var prices = crashed.Services.GetRequiredService<AspireAoai.Accounting.Pricing.IPriceTable>();
            foreach (var entry in taken.Take(taken.Length / 2))
            {
                var usages = new List<UsageEvent>();
                Assert.True(UsageEventCodec.TryParse(entry, usages, out var error), error);
                var byKey = usages.SelectMany(u => AggregateKey.For(u).Select(k => (Key: k, Applied: new AppliedEvent(StreamId.Parse(entry.Id!), u,
                    AspireAoai.Accounting.Pricing.CostCalculator.Calculate(u, prices)))));
                // The usage documents and the daily spend: the monthly ones "were not reached".
                foreach (var group in byKey.Where(x => x.Key.Kind != AggregateKind.MonthlySpend).GroupBy(x => x.Key))
                {
                    await store.ApplyAsync(group.Key, group.Select(x => x.Applied).ToList(), StreamId.Zero, CancellationToken.None);
                }
            }

            await initializer.StopAsync(CancellationToken.None);
        }

        using var worker = kit.BuildWorker(claimIdle: TimeSpan.FromMilliseconds(500));
        await worker.StartAsync();
        await kit.WaitUntilDrainedAsync(Drain);
        await worker.StopAsync();

        await kit.AssertTotalsAsync(events);
    }

    [Fact]
    public async Task TwoWorkersAtOnce_ShareTheStream_AndTotalsAreExact()
    {
        await using var kit = Kit(seed: 5);
        var events = Enumerable.Range(0, 1500).Select(_ => kit.NextEvent()).ToList();
        var overrides = new Dictionary<string, string?> { ["Worker:BatchSize"] = "40" };

        // Events applied, per Meter instance: each host has its own.
        var appliedByMeter = new System.Collections.Concurrent.ConcurrentDictionary<System.Diagnostics.Metrics.Meter, long>();
        using var listener = new System.Diagnostics.Metrics.MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == Telemetry.WorkerMetrics.MeterName && instrument.Name == "aoai.worker.events") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag is { Key: "outcome", Value: "applied" }) appliedByMeter.AddOrUpdate(instrument.Meter, value, (_, v) => v + value);
            }
        });
        listener.Start();
        using var a = kit.BuildWorker(overrides);
        using var b = kit.BuildWorker(overrides);
        await Task.WhenAll(a.StartAsync(), b.StartAsync());

        var sizes = new Random(5);
        foreach (var chunk in events.Chunk(100))
        {
            await kit.PublishEntriesAsync(chunk, sizes);
            await Task.Delay(30);
        }

        await kit.WaitUntilDrainedAsync(Drain);
        await Task.WhenAll(a.StopAsync(), b.StopAsync());

        await kit.AssertTotalsAsync(events);
        var consumers = await kit.Db.StreamConsumerInfoAsync(kit.StreamKey, UsageStream.ConsumerGroup);
        Assert.Equal(2, consumers.Length);
        Assert.Equal(
            new[] { a.Services.GetRequiredService<UsageStreamConsumer>().ConsumerName, b.Services.GetRequiredService<UsageStreamConsumer>().ConsumerName }.Order(),
            consumers.Select(c => c.Name.ToString()).Order());
        Assert.Equal(2, appliedByMeter.Count);
        Assert.All(appliedByMeter.Values, applied => Assert.True(applied > 0));
        Assert.Equal(events.Count, appliedByMeter.Values.Sum());
    }

    [Fact]
    public async Task ReplayingAcknowledgedEvents_ThroughANewGroup_DoesNotChangeTotals()
    {
        // A stronger replay than a crash: every event is delivered twice, once per run.
        await using var kit = Kit(seed: 9);
        var events = Enumerable.Range(0, 200).Select(_ => kit.NextEvent()).ToList();
        await kit.PublishAsync(events);
        using (var first = kit.BuildWorker())
        {
            await first.StartAsync();
            await kit.WaitUntilDrainedAsync(Drain);
            await first.StopAsync();
        }

        // Rewind the group to before the last 50 entries: they are delivered again, as after a crash.
        var all = await kit.Db.StreamRangeAsync(kit.StreamKey);
        await kit.Db.ExecuteAsync("XGROUP", "SETID", kit.StreamKey, UsageStream.ConsumerGroup, all[^51].Id.ToString());
        using (var second = kit.BuildWorker())
        {
            await second.StartAsync();
            await kit.WaitUntilDrainedAsync(Drain);
            await second.StopAsync();
        }

        await kit.AssertTotalsAsync(events);
    }

    [Fact]
    public void InvalidWorkerOptions_FailAtStart_NamingTheKey()
    {
        using var kit = new DisposableKit(Kit());
        using var worker = kit.Value.BuildWorker(new() { ["Worker:BatchSize"] = "0" });

        var ex = Assert.Throws<OptionsValidationException>(() => worker.Services.GetRequiredService<IOptions<Hosting.WorkerOptions>>().Value);
        Assert.Contains("Worker:BatchSize", ex.Message);
    }

    private sealed class DisposableKit(UsageTestKit kit) : IDisposable
    {
        public UsageTestKit Value => kit;

        public void Dispose() => kit.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }
}
