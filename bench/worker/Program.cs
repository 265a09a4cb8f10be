using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using AspireAoai.Accounting.Usage;
using AspireAoai.TestSupport;
using AspireAoai.Worker.Telemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

// Usage: dotnet run -c Release --project bench/worker -- [--events 20000] [--clients 10] [--rate 2000] [--seconds 10]
//        [--batch 500] [--concurrency 8] [--redis host:port] [--cosmos "AccountEndpoint=...;AccountKey=...;"]
// Phase 1 (throughput): preloads --events entries, starts the Worker, times the drain.
// Phase 2 (lag): the Worker runs while a producer adds --rate events/s for --seconds; reports XADD-to-written lag.
var options = Args.Parse(args);
await using var redisServer = options.Redis is null ? await RedisServer.StartAsync() : null;
await using var cosmosServer = options.Cosmos is null ? await CosmosServer.StartAsync() : null;
var redisCs = options.Redis ?? redisServer!.ConnectionString;
var cosmosCs = options.Cosmos ?? cosmosServer!.ConnectionString;
using var redis = await ConnectionMultiplexer.ConnectAsync(redisCs);
var db = redis.GetDatabase();
var random = new Random(1);
var models = new[] { "gpt-4o", "gpt-4o-mini", "text-embedding-3-large" };

UsageEvent NextEvent() => new(Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow, "client-" + random.Next(options.Clients),
    models[random.Next(models.Length)], "", "dep-" + random.Next(2), "eastus", random.Next(100, 4000), random.Next(0, 100),
    random.Next(10, 1000), false, 0, 0, 200, random.Next(50, 3000), random.Next(10, 300), true);

async Task PublishAsync(string stream, int count)
{
    for (var done = 0; done < count;)
    {
        var n = Math.Min(1000, count - done);
        var batch = db.CreateBatch();
        var tasks = new Task[n];
        for (var i = 0; i < n; i++) tasks[i] = batch.StreamAddAsync(stream, NextEvent().ToStreamFields());
        batch.Execute();
        await Task.WhenAll(tasks);
        done += n;
    }
}

async Task WaitDrainedAsync(string stream)
{
    while (true)
    {
        var info = await db.StreamInfoAsync(stream);
        var group = (await db.StreamGroupInfoAsync(stream)).FirstOrDefault(g => g.Name == UsageStream.ConsumerGroup);
        if (group.Name is not null && group.PendingMessageCount == 0 && group.LastDeliveredId == info.LastGeneratedId) return;
        await Task.Delay(20);
    }
}

IHost BuildWorker(string stream, string database)
{
    var builder = Host.CreateApplicationBuilder();
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
    {
        ["ConnectionStrings:redis"] = redisCs,
        ["ConnectionStrings:cosmos"] = cosmosCs,
        ["Cosmos:DatabaseName"] = database,
        ["Worker:StreamKey"] = stream,
        ["Worker:DeadLetterStreamKey"] = stream + ":dead",
        ["Worker:BatchSize"] = options.Batch.ToString(CultureInfo.InvariantCulture),
        ["Worker:WriteConcurrency"] = options.Concurrency.ToString(CultureInfo.InvariantCulture),
        ["Worker:PollInterval"] = "00:00:00.010",
    });
    builder.AddAoaiRedis();
    builder.AddAoaiCosmos();
    builder.AddCostAggregation();
    return builder.Build();
}

// Phase 1: throughput on a preloaded backlog.
var stream1 = "bench:usage:" + Guid.NewGuid().ToString("N")[..8];
await PublishAsync(stream1, options.Events);
using (var worker = BuildWorker(stream1, "bench1"))
{
    var sw = Stopwatch.StartNew();
    await worker.StartAsync();
    await WaitDrainedAsync(stream1);
    sw.Stop();
    await worker.StopAsync();
    Console.WriteLine($"throughput: {options.Events} events, {options.Clients} clients, batch {options.Batch}, " +
                      $"concurrency {options.Concurrency}: {sw.Elapsed.TotalSeconds:F2} s (incl. ~0.5 s start) = " +
                      $"{options.Events / sw.Elapsed.TotalSeconds:F0} events/s");
}

// Phase 2: lag at a steady rate, measured by the Worker's own lag histogram.
var lags = new List<double>();
using var listener = new MeterListener();
listener.InstrumentPublished = (instrument, l) =>
{
    if (instrument.Meter.Name == WorkerMetrics.MeterName && instrument.Name == "aoai.worker.lag") l.EnableMeasurementEvents(instrument);
};
listener.SetMeasurementEventCallback<double>((_, value, _, _) => { lock (lags) lags.Add(value * 1000); });
listener.Start();

var stream2 = "bench:usage:" + Guid.NewGuid().ToString("N")[..8];
using (var worker = BuildWorker(stream2, "bench2"))
{
    await worker.StartAsync();
    await Task.Delay(1000);
    var total = options.Rate * options.Seconds;
    var sw = Stopwatch.StartNew();
    var tick = 0;
    while (tick * options.Rate / 10 < total)
    {
        await PublishAsync(stream2, options.Rate / 10);
        tick++;
        var due = TimeSpan.FromMilliseconds(tick * 100) - sw.Elapsed;
        if (due > TimeSpan.Zero) await Task.Delay(due);
    }

    await WaitDrainedAsync(stream2);
    await worker.StopAsync();
}

listener.Dispose();
lags.Sort();
double P(double q) => lags.Count == 0 ? double.NaN : lags[(int)Math.Min(lags.Count - 1, Math.Floor(q * lags.Count))];
Console.WriteLine($"lag at {options.Rate} events/s for {options.Seconds} s ({lags.Count} events): " +
                  $"p50 {P(0.50):F0} ms, p95 {P(0.95):F0} ms, p99 {P(0.99):F0} ms, max {P(1):F0} ms");

internal sealed record Args(int Events, int Clients, int Rate, int Seconds, int Batch, int Concurrency, string? Redis, string? Cosmos)
{
    public static Args Parse(string[] argv)
    {
        var a = new Args(20_000, 10, 2_000, 10, 500, 8, null, null);
        for (var i = 0; i + 1 < argv.Length; i += 2)
        {
            var v = argv[i + 1];
            a = argv[i] switch
            {
                "--events" => a with { Events = int.Parse(v, CultureInfo.InvariantCulture) },
                "--clients" => a with { Clients = int.Parse(v, CultureInfo.InvariantCulture) },
                "--rate" => a with { Rate = Math.Max(10, int.Parse(v, CultureInfo.InvariantCulture)) },
                "--seconds" => a with { Seconds = int.Parse(v, CultureInfo.InvariantCulture) },
                "--batch" => a with { Batch = int.Parse(v, CultureInfo.InvariantCulture) },
                "--concurrency" => a with { Concurrency = int.Parse(v, CultureInfo.InvariantCulture) },
                "--redis" => a with { Redis = v },
                "--cosmos" => a with { Cosmos = v },
                _ => throw new ArgumentException($"unknown option {argv[i]}"),
            };
        }

        return a;
    }
}
