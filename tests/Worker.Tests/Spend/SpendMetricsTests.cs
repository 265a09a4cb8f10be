using System.Diagnostics.Metrics;
using AspireAoai.Accounting.Usage;
using AspireAoai.TestSupport;
using AspireAoai.Worker.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AspireAoai.Worker.Tests.Spend;

/// <summary>
/// Spend one can look at in the dashboard: the Worker's <c>aoai.worker.spend.day</c> gauge and <c>aoai.worker.cost</c>
/// counter, per client and model, against the usage documents the usage API reads (real redis-server and Cosmos server).
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class SpendMetricsTests(RedisAndCosmosFixture servers)
{
    private static readonly TimeSpan Drain = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task SpendGauge_IsTodaysSpendPerClientAndModel_AsTheUsageDocumentsHoldIt_AndTheCostCounterAddsUpToIt()
    {
        await using var kit = new UsageTestKit(servers.Redis.ConnectionString, servers.Cosmos.ConnectionString, seed: 11);
        var now = DateTimeOffset.UtcNow;
        var events = Enumerable.Range(0, 150).Select(_ => kit.NextEvent(at: now)).ToList();
        await kit.PublishAsync(events);

        using var worker = kit.BuildWorker();
        using var meters = new WorkerMeters(worker);
        await worker.StartAsync();
        await kit.WaitUntilDrainedAsync(Drain);

        var expected = await SpendByClientAndModelAsync(kit, Day(now));
        Assert.True(expected.Count >= 6, $"only {expected.Count} client/model pairs were priced");
        Assert.Equal(expected.OrderBy(p => p.Key).Select(p => (p.Key, (double)p.Value)), meters.Gauge().OrderBy(p => p.Key).Select(p => (p.Key, p.Value)));
        // The counter tags the model an event was priced as (gpt-4o-2024-11-20 counts as gpt-4o); per client it adds up the same.
        foreach (var client in expected.Keys.Select(k => k.Client).Distinct())
        {
            Assert.Equal((double)expected.Where(p => p.Key.Client == client).Sum(p => p.Value),
                meters.Counted.Where(p => p.Key.Client == client).Sum(p => p.Value), 9);
        }

        await worker.StopAsync();
    }

    [Fact]
    public async Task SpendGauge_AfterAWorkerRestart_ShowsTheWholeDay_WhileTheCounterCountsOnlyWhatThisWorkerApplied()
    {
        await using var kit = new UsageTestKit(servers.Redis.ConnectionString, servers.Cosmos.ConnectionString, seed: 12);
        var now = DateTimeOffset.UtcNow;
        var first = Enumerable.Range(0, 80).Select(_ => kit.NextEvent(at: now)).ToList();
        await kit.PublishAsync(first);
        using (var before = kit.BuildWorker())
        {
            await before.StartAsync();
            await kit.WaitUntilDrainedAsync(Drain);
            await before.StopAsync();
        }

        var firstRun = (await SpendByClientAndModelAsync(kit, Day(now))).Values.Sum();

        // One more event for every client, model and deployment of the first run: the new Worker touches each document.
        var second = first.DistinctBy(e => (e.ClientId, e.Model, e.Deployment)).Select(e => e with { RequestId = Guid.NewGuid().ToString("N") }).ToList();
        using var after = kit.BuildWorker();
        using var meters = new WorkerMeters(after);
        await after.StartAsync();
        await kit.PublishAsync(second);
        await kit.WaitUntilDrainedAsync(Drain);

        var expected = await SpendByClientAndModelAsync(kit, Day(now));
        Assert.Equal(expected.OrderBy(p => p.Key).Select(p => (p.Key, (double)p.Value)), meters.Gauge().OrderBy(p => p.Key).Select(p => (p.Key, p.Value)));
        Assert.True(firstRun > 0);
        Assert.Equal((double)(expected.Values.Sum() - firstRun), meters.Counted.Values.Sum(), 9);

        await after.StopAsync();
    }

    private static string Day(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd");

    /// <summary>The sum of the day's usage documents' costs per client and model: what the usage API reports.</summary>
    private static async Task<Dictionary<(string Client, string Model), decimal>> SpendByClientAndModelAsync(UsageTestKit kit, string day)
    {
        var sums = new Dictionary<(string, string), decimal>();
        foreach (var client in new[] { "client-0", "client-1", "client-2" })
        {
            foreach (var doc in (await kit.ReadDocumentsAsync(client)).Values)
            {
                if (doc.Kind == "usage" && doc.Period == day && doc.CostValue is { } cost)
                {
                    sums[(client, doc.Model!)] = sums.GetValueOrDefault((client, doc.Model!)) + cost;
                }
            }
        }

        return sums;
    }

    /// <summary>Listens to one Worker host's own meter (other tests' Workers run in parallel with their own).</summary>
    private sealed class WorkerMeters : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<(string, string), double> _gauge = [];
        private readonly object _gate = new();

        public WorkerMeters(IHost worker)
        {
            var factory = worker.Services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == WorkerMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory)
                    && instrument.Name is "aoai.worker.cost" or "aoai.worker.spend.day")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) =>
            {
                string? client = null, model = null;
                foreach (var tag in tags)
                {
                    if (tag.Key == "client") client = (string?)tag.Value;
                    if (tag.Key == "model") model = (string?)tag.Value;
                }

                lock (_gate)
                {
                    var target = instrument.Name == "aoai.worker.cost" ? Counted : _gauge;
                    target[(client!, model!)] = (instrument.Name == "aoai.worker.cost" ? target.GetValueOrDefault((client!, model!)) : 0) + value;
                }
            });
            _listener.Start();
        }

        /// <summary>Sums of the cost counter since the listener started.</summary>
        public Dictionary<(string Client, string Model), double> Counted { get; } = [];

        /// <summary>One observation of the gauge.</summary>
        public Dictionary<(string Client, string Model), double> Gauge()
        {
            lock (_gate)
            {
                _gauge.Clear();
            }

            _listener.RecordObservableInstruments();
            lock (_gate)
            {
                return new Dictionary<(string, string), double>(_gauge);
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
