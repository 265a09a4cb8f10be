using AspireAoai.Accounting.Pricing;
using AspireAoai.Accounting.Usage;
using AspireAoai.ServiceDefaults.Cosmos;
using AspireAoai.Worker.Aggregation;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace AspireAoai.Worker.Tests;

/// <summary>Events in, expected totals out, and a Worker host per test with its own stream and database.</summary>
public sealed class UsageTestKit : IAsyncDisposable
{
    private static readonly string[] Models = ["gpt-4o", "gpt-4o-mini", "gpt-4o-2024-11-20", "experimental-model"];
    private static readonly string[] Deployments = ["eastus-primary", "westus-secondary", ""];
    private readonly Random _random;
    private readonly PriceTable _prices;

    public UsageTestKit(string redis, string cosmos, int seed = 1)
    {
        RedisConnectionString = redis;
        CosmosConnectionString = cosmos;
        var suffix = Guid.NewGuid().ToString("N")[..10];
        StreamKey = "aoai:usage:" + suffix;
        DeadLetterKey = StreamKey + ":dead";
        DatabaseName = "w" + suffix;
        Redis = ConnectionMultiplexer.Connect(redis);
        Cosmos = CosmosExtensions.CreateClient(AspireAoai.ServiceDefaults.Cosmos.CosmosConnectionString.Parse(cosmos, "cosmos"));
        _random = new Random(seed);
        var pricing = new PricingOptions();
        PricingServiceCollectionExtensions.MergeDefaults(pricing);
        _prices = new PriceTable(pricing);
    }

    public string RedisConnectionString { get; }
    public string CosmosConnectionString { get; }
    public string StreamKey { get; }
    public string DeadLetterKey { get; }
    public string DatabaseName { get; }
    public ConnectionMultiplexer Redis { get; }
    public CosmosClient Cosmos { get; }
    public IDatabase Db => Redis.GetDatabase();
    public Container Costs => Cosmos.GetDatabase(DatabaseName).GetContainer("costs");

    /// <summary>Configuration a Worker (in-process or a child process) needs for this test.</summary>
    public Dictionary<string, string?> Settings(TimeSpan? claimIdle = null) => new()
    {
        ["ConnectionStrings:redis"] = RedisConnectionString,
        ["ConnectionStrings:cosmos"] = CosmosConnectionString,
        ["Cosmos:DatabaseName"] = DatabaseName,
        ["Worker:StreamKey"] = StreamKey,
        ["Worker:DeadLetterStreamKey"] = DeadLetterKey,
        ["Worker:BatchSize"] = "100",
        ["Worker:PollInterval"] = "00:00:00.020",
        ["Worker:ClaimIdleTime"] = (claimIdle ?? TimeSpan.FromSeconds(2)).ToString("c"),
        ["Worker:ClaimInterval"] = "00:00:00.250",
        ["Worker:MetricsInterval"] = "00:00:00.500",
    };

    /// <summary>An in-process Worker (the same registrations as Worker/Program.cs, without the web server).</summary>
    public IHost BuildWorker(Dictionary<string, string?>? overrides = null, TimeSpan? claimIdle = null, ILoggerProvider? logs = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (logs is not null) builder.Logging.AddProvider(logs);
        builder.Configuration.AddInMemoryCollection(Settings(claimIdle));
        if (overrides is not null) builder.Configuration.AddInMemoryCollection(overrides);
        builder.AddAoaiRedis();
        builder.AddAoaiCosmos();
        builder.AddCostAggregation();
        return builder.Build();
    }

    /// <summary>A random but plausible event; a few are errors, cache hits, unpriced or cross a day boundary.</summary>
    public UsageEvent NextEvent(DateTimeOffset? at = null)
    {
        var input = _random.Next(0, 5000);
        var hit = _random.Next(10) == 0;
        var baseTime = new DateTimeOffset(2026, 3, 31, 23, 59, 0, TimeSpan.Zero); // events straddle a day and a month
        return new UsageEvent(
            RequestId: Guid.NewGuid().ToString("N"),
            Timestamp: at ?? baseTime.AddMilliseconds(_random.Next(0, 120_000)),
            ClientId: "client-" + _random.Next(3),
            Model: Models[_random.Next(Models.Length)],
            PricedModel: "",
            Deployment: hit ? "" : Deployments[_random.Next(Deployments.Length)],
            Region: "eastus",
            InputTokens: hit ? 0 : input,
            CachedInputTokens: hit ? 0 : _random.Next(0, input + 1) / 2,
            OutputTokens: hit ? 0 : _random.Next(0, 2000),
            CacheHit: hit,
            SavedInputTokens: hit ? input : 0,
            SavedOutputTokens: hit ? 300 : 0,
            Status: _random.Next(20) == 0 ? 500 : 200,
            LatencyMs: _random.Next(10, 5000),
            TimeToFirstByteMs: _random.Next(5, 500),
            Streamed: _random.Next(2) == 0);
    }

    public async Task<RedisValue> PublishAsync(UsageEvent usage) =>
        await Db.StreamAddAsync(StreamKey, usage.ToStreamFields(), maxLength: UsageStream.DefaultMaxLength, useApproximateMaxLength: true);

    /// <summary>Writes the events in entries of 1 to 64 events each, as the Api's append calls do (schema version 3).</summary>
    public async Task PublishEntriesAsync(IReadOnlyList<UsageEvent> events, Random random)
    {
        var batch = Db.CreateBatch();
        var tasks = new List<Task<RedisValue>>();
        for (var at = 0; at < events.Count;)
        {
            var size = Math.Min(random.Next(1, 65), events.Count - at);
            tasks.Add(batch.StreamAddAsync(StreamKey, UsageEventCodec.ToStreamFields(events.Skip(at).Take(size).ToArray())));
            at += size;
        }

        batch.Execute();
        await Task.WhenAll(tasks);
    }

    public async Task PublishAsync(IEnumerable<UsageEvent> events)
    {
        var batch = Db.CreateBatch();
        var tasks = events.Select(e => batch.StreamAddAsync(StreamKey, e.ToStreamFields())).ToList();
        batch.Execute();
        await Task.WhenAll(tasks);
    }

    /// <summary>Waits until every entry of the stream has been delivered and acknowledged.</summary>
    public async Task WaitUntilDrainedAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var info = await Db.StreamInfoAsync(StreamKey);
            var group = (await Db.StreamGroupInfoAsync(StreamKey)).FirstOrDefault(g => g.Name == UsageStream.ConsumerGroup);
            var pending = group.Name is null ? -1 : (await Db.StreamPendingAsync(StreamKey, UsageStream.ConsumerGroup)).PendingMessageCount;
            if (group.Name is not null && pending == 0 && group.LastDeliveredId == info.LastGeneratedId) return;
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"stream not drained: last {info.LastGeneratedId}, delivered {group.LastDeliveredId}, pending {pending}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Every aggregate document of a client, by id.</summary>
    public async Task<Dictionary<string, AggregateDocument>> ReadDocumentsAsync(string clientId)
    {
        var query = new QueryDefinition("SELECT * FROM c WHERE c.clientId = @pk").WithParameter("@pk", clientId);
        var docs = new Dictionary<string, AggregateDocument>();
        using var feed = Costs.GetItemQueryIterator<AggregateDocument>(query, requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey(clientId) });
        while (feed.HasMoreResults)
        {
            foreach (var doc in await feed.ReadNextAsync()) docs.Add(doc.Id, doc);
        }

        return docs;
    }

    /// <summary>The totals every document must hold after exactly-once aggregation of the events.</summary>
    public Dictionary<(string Client, string Id), Totals> Expected(IEnumerable<UsageEvent> events)
    {
        var expected = new Dictionary<(string, string), Totals>();
        foreach (var e in events)
        {
            var cost = CostCalculator.Calculate(e, _prices);
            foreach (var key in AggregateKey.For(e))
            {
                var t = expected.TryGetValue((key.ClientId, key.Id), out var existing) ? existing : new Totals();
                expected[(key.ClientId, key.Id)] = t with
                {
                    Requests = t.Requests + 1,
                    Errors = t.Errors + (e.IsError ? 1 : 0),
                    InputTokens = t.InputTokens + e.InputTokens,
                    CachedInputTokens = t.CachedInputTokens + e.CachedInputTokens,
                    OutputTokens = t.OutputTokens + e.OutputTokens,
                    CacheHits = t.CacheHits + (e.CacheHit ? 1 : 0),
                    SavedInputTokens = t.SavedInputTokens + e.SavedInputTokens,
                    Cost = cost.Cost is { } c ? (t.Cost ?? 0m) + c : t.Cost,
                    UnpricedRequests = t.UnpricedRequests + (cost.IsPriced ? 0 : 1),
                };
            }
        }

        return expected;
    }

    /// <summary>Asserts that Cosmos holds exactly the expected documents with exactly the expected totals.</summary>
    public async Task AssertTotalsAsync(IReadOnlyCollection<UsageEvent> events)
    {
        var expected = Expected(events);
        var actual = new Dictionary<(string, string), Totals>();
        foreach (var client in events.Select(e => e.ClientId).Distinct())
        {
            foreach (var doc in (await ReadDocumentsAsync(client)).Values)
            {
                actual[(doc.ClientId, doc.Id)] = new Totals
                {
                    Requests = doc.Requests,
                    Errors = doc.Errors,
                    InputTokens = doc.InputTokens,
                    CachedInputTokens = doc.CachedInputTokens,
                    OutputTokens = doc.OutputTokens,
                    CacheHits = doc.CacheHits,
                    SavedInputTokens = doc.SavedInputTokens,
                    Cost = doc.CostValue,
                    UnpricedRequests = doc.UnpricedRequests,
                };
                Assert.Equal(doc.UnpricedRequests > 0, doc.Unpriced);
            }
        }

        Assert.Equal(expected.Keys.OrderBy(k => k.Item1).ThenBy(k => k.Item2, StringComparer.Ordinal),
            actual.Keys.OrderBy(k => k.Item1).ThenBy(k => k.Item2, StringComparer.Ordinal));
        foreach (var (key, totals) in expected)
        {
            Assert.True(totals == actual[key], $"{key}: expected {totals}, got {actual[key]}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Db.KeyDeleteAsync([StreamKey, DeadLetterKey]);
            await Cosmos.GetDatabase(DatabaseName).DeleteAsync();
        }
        catch (Exception)
        {
            // best effort: the servers are in memory and go away with the test run
        }

        Cosmos.Dispose();
        await Redis.DisposeAsync();
    }
}

/// <summary>The totals compared between expectation and Cosmos.</summary>
public sealed record Totals
{
    public long Requests { get; init; }
    public long Errors { get; init; }
    public long InputTokens { get; init; }
    public long CachedInputTokens { get; init; }
    public long OutputTokens { get; init; }
    public long CacheHits { get; init; }
    public long SavedInputTokens { get; init; }
    public decimal? Cost { get; init; }
    public long UnpricedRequests { get; init; }
}
