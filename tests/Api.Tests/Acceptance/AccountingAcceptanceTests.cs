using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using AspireAoai.Accounting.Pricing;
using AspireAoai.Accounting.Usage;
using AspireAoai.Api.Auth;
using AspireAoai.Api.Tests.Infrastructure;
using AspireAoai.ServiceDefaults.Cosmos;
using AspireAoai.TestSupport;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace AspireAoai.Api.Tests.Acceptance;

/// <summary>
/// Issue 6's acceptance scenario: requests from three clients through the gateway (mixed streaming, cache hits,
/// embeddings, failovers forced by 429/503 faults on the primary region), while the real Worker process is SIGKILLed
/// and restarted twice. After the Worker has drained the usage stream, the usage API's totals equal the sum of the
/// usage of every response the clients received, to the token and to the (decimal) cent; the client with a small
/// daily budget is refused with 429 <c>budget_exceeded</c> naming its budget.
/// </summary>
/// <remarks>
/// <para>Default size: 600 requests. <c>AOAI_ACCEPTANCE_REQUESTS=10000</c> runs the full scenario (docs/costs.md,
/// "Acceptance run").</para>
/// <para>What "the usage a client received" means, per response:</para>
/// <list type="bullet">
/// <item>Non-streamed: the body's <c>usage</c>; the cost is the <c>x-aoai-cost-usd</c> header (checked against
/// <see cref="CostCalculator"/> on the same usage).</item>
/// <item>Streamed with <c>include_usage</c>: the usage chunk; the cost is <see cref="CostCalculator"/> on it with the
/// configured price (on HTTP/1.1 the cost trailer is not sent).</item>
/// <item>Streamed without <c>include_usage</c>: the client is charged for usage it is, by design, not shown (the
/// gateway asks upstream for it and hides the chunk). The only record of it is the gateway's usage event of that
/// <c>x-aoai-request-id</c>, so the expected tokens come from that event. This is sound because the test also proves,
/// on every response whose usage the client <em>did</em> see, that its event carries exactly those tokens, and that
/// the stream holds exactly one event per response received (no more, no fewer): the Worker-side totals are then
/// compared with an independent per-request ledger, not with a sum the Worker could share a mistake with.</item>
/// <item>Cache hits (<c>x-aoai-cache: HIT</c>): billed 0 tokens and cost 0 (the body shows the stored answer's usage,
/// which counts as <em>saved</em>, not used).</item>
/// <item>Refusals and spent retry budgets (429 / 503): 0 tokens, cost header <c>0</c>; they still count as requests
/// and errors.</item>
/// </list>
/// </remarks>
public sealed class AccountingAcceptanceTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string AcmeKey = "acceptance-acme-key";
    private const string BudgetKey = "acceptance-budget-key";
    private const string BudgetClient = "budgeted";
    private const string DailyBudget = "0.012"; // below what the mixed traffic costs at the list prices, so refusals happen

    private static readonly string[] ClientIds = ["test", "acme", BudgetClient];

    private readonly string _database = "acc" + Guid.NewGuid().ToString("N")[..10];
    private RedisServer _redis = null!;
    private CosmosServer _cosmos = null!;
    private SimulatorHost _east = null!;
    private SimulatorHost _west = null!;

    public async Task InitializeAsync()
    {
        var redis = RedisServer.StartAsync();
        var cosmos = CosmosServer.StartAsync();
        _east = await SimulatorHost.StartAsync("eastus");
        _west = await SimulatorHost.StartAsync("westus");
        _redis = await redis;
        _cosmos = await cosmos;
    }

    public async Task DisposeAsync()
    {
        await _east.DisposeAsync();
        await _west.DisposeAsync();
        await _redis.DisposeAsync();
        await _cosmos.DisposeAsync();
    }

    [Fact]
    public async Task ThreeClients_MixedTraffic_WorkerKilledTwice_UsageTotalsEqualWhatClientsReceived_AndTheBudgetIsEnforced()
    {
        var total = RequestCount();
        var clock = Stopwatch.StartNew();
        var firstDay = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

        await using var gateway = await StartGatewayAsync();
        // The scenario needs cache hits: wait for the cache's containers (created at start) before any load, as a
        // readiness probe would, so a slow Cosmos start on a busy machine does not leave the first seconds uncached.
        await gateway.Services.GetRequiredService<AoaiContainers>().WhenReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        var meters = gateway.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        // The cache's counters by reason, to say why a path the scenario needs (a streamed hit) did not happen.
        var cacheCounts = new ConcurrentDictionary<string, long>();
        using var cacheListener = new System.Diagnostics.Metrics.MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "AspireAoai.Cache" && instrument.Meter.Scope == meters) listener.EnableMeasurementEvents(instrument);
            },
        };
        cacheListener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var reason = "";
            foreach (var tag in tags)
            {
                if (tag.Key is "aoai.cache.reason" or "aoai.cache.result" or "error.type") reason += "/" + tag.Value;
            }

            cacheCounts.AddOrUpdate(instrument.Name + reason, value, (_, v) => v + value);
        });
        cacheListener.Start();

        var prices = gateway.Services.GetRequiredService<IPriceTable>();
        using var mux = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
        var db = mux.GetDatabase();

        var clients = new Dictionary<string, HttpClient>
        {
            ["test"] = NewClient(gateway.BaseAddress, GatewayHost.ClientKey),
            ["acme"] = NewClient(gateway.BaseAddress, AcmeKey),
            [BudgetClient] = NewClient(gateway.BaseAddress, BudgetKey),
        };
        var ledger = new ConcurrentBag<Received>();
        var completed = 0;
        var workers = new List<WorkerProcess>();
        try
        {
            // Worker #1, then load. Gate k holds the load until Worker k reads from the group (a dotnet start takes a few
            // seconds); the controller then SIGKILLs it at a later point, while requests flow, and starts Worker k+1.
            workers.Add(StartWorker(0));
            using var stopFaults = new CancellationTokenSource();
            var faults = InjectFaultsAsync(stopFaults.Token);
            var gates = new[] { new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously) };
            int[] holdAt = [total / 4, total * 6 / 10];
            int[] killAt = [total * 35 / 100, total * 7 / 10];
            var started = 0;
            var kills = new List<string>();
            var controller = Task.Run(async () =>
            {
                for (var k = 0; k < 2; k++)
                {
                    await WaitUntilReadingAsync(db, $"acceptance-{k}", workers[k]);
                    gates[k].SetResult();
                    await WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref completed) >= killAt[k]), TimeSpan.FromMinutes(10), "load did not progress");
                    var pending = await ConsumerPendingAsync(db, $"acceptance-{k}");
                    var done = Volatile.Read(ref completed);
                    var inFlight = Volatile.Read(ref started) - done;
                    workers[k].KillHard();
                    kills.Add($"kill {k + 1} at {done}/{total} responses with {inFlight} requests in flight; " +
                              $"the consumer held {pending} pending entries");
                    workers.Add(StartWorker(k + 1));
                }
            });

            var perClient = ClientIds.ToDictionary(c => c, c => total / 3 + (Array.IndexOf(ClientIds, c) < total % 3 ? 1 : 0));
            var load = ClientIds.SelectMany(client => Enumerable.Range(0, 4).Select(lane => Task.Run(async () =>
            {
                for (var i = lane; i < perClient[client]; i += 4)
                {
                    var done = Volatile.Read(ref completed);
                    for (var k = 0; k < 2; k++)
                    {
                        if (done >= holdAt[k]) await gates[k].Task.WaitAsync(TimeSpan.FromMinutes(2));
                    }

                    Interlocked.Increment(ref started);
                    ledger.Add(await SendAsync(clients[client], client, i, prices));
                    Interlocked.Increment(ref completed);
                }
            }))).ToList();
            await Task.WhenAll(load);
            await controller;
            await stopFaults.CancelAsync();
            await faults;
            var loadTime = clock.Elapsed;

            var received = ledger.ToList();
            Assert.Equal(total, received.Count);

            // Every response has exactly one usage event; fill in what streams without include_usage were charged.
            var events = await WaitForEventsAsync(db, received.Count);
            Assert.Equal(received.Count, events.Count);
            Assert.Equal(received.Select(r => r.RequestId).Order(StringComparer.Ordinal), events.Keys.Order(StringComparer.Ordinal));
            var expected = new List<Received>(received.Count);
            foreach (var r in received)
            {
                var e = events[r.RequestId];
                Assert.Equal(r.Client, e.ClientId);
                Assert.Equal(r.Status, e.Status);
                Assert.Equal(r.Hit, e.CacheHit);
                if (r.UsageSource == UsageSource.Event)
                {
                    var cost = r.Hit ? 0m : Cost(prices, r.Model, e.InputTokens, e.CachedInputTokens, e.OutputTokens);
                    expected.Add(r with { Input = e.InputTokens, CachedInput = e.CachedInputTokens, Output = e.OutputTokens, Cost = cost });
                }
                else
                {
                    Assert.True((r.Input, r.CachedInput, r.Output) == (e.InputTokens, e.CachedInputTokens, e.OutputTokens),
                        $"{r.RequestId} ({r.Kind}): the client saw {r.Input}/{r.CachedInput}/{r.Output}, the event says {e.InputTokens}/{e.CachedInputTokens}/{e.OutputTokens}");
                    expected.Add(r);
                }
            }

            await WaitUntilDrainedAsync(db, workers[^1]);
            var drainTime = clock.Elapsed;
            Assert.True(workers[^1].Stop(TimeSpan.FromSeconds(20)), "the last Worker did not stop on SIGTERM");
            Assert.DoesNotContain(workers.Take(2), w => !w.HasExited);

            // The scenario did what it says: streaming, hits, failovers, embeddings, budget refusals.
            Assert.Equal(2, kills.Count);
            Assert.Contains(expected, r => r.Kind == Kind.StreamNoUsage && r.Status == 200);
            Assert.Contains(expected, r => r.Kind == Kind.StreamUsage && r.Status == 200 && !r.Hit);
            Assert.True(expected.Any(r => r.Kind == Kind.StreamUsage && r.Hit), "no streamed cache hit; cache counters: "
                + string.Join(", ", cacheCounts.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}")));
            Assert.Contains(expected, r => r.Kind == Kind.Chat && r.Hit);
            Assert.True(expected.Any(r => r.Kind == Kind.Embedding && r.Status == 200), "no embeddings request succeeded: " + string.Join(", ",
                expected.Where(r => r.Kind == Kind.Embedding).GroupBy(r => $"{r.Client} {r.Status} {r.ErrorCode}").Select(g => $"{g.Key} x{g.Count()}")));
            var failedOver = expected.Count(r => r.Deployment.StartsWith("westus", StringComparison.Ordinal));
            Assert.True(failedOver > 0, "no request was answered by the secondary region: the faults did not cause failovers");
            var refusals = expected.Where(r => r.ErrorCode == "budget_exceeded").ToList();
            Assert.NotEmpty(refusals);
            Assert.All(refusals, r => Assert.Equal(BudgetClient, r.Client));
            Assert.All(refusals, r => Assert.Contains($"daily budget of ${DailyBudget} for client '{BudgetClient}' cannot cover this request", r.ErrorMessage));

            // The usage API, per client and for the admin, equals the ledger exactly.
            var today = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var range = $"from={firstDay}&to={today}";
            foreach (var client in ClientIds)
            {
                using var response = await clients[client].GetAsync($"v1/usage?{range}");
                var body = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET /v1/usage for {client}: {(int)response.StatusCode} {body}");
                using var doc = JsonDocument.Parse(body);
                Assert.Equal(client, doc.RootElement.GetProperty("clientId").GetString());
                AssertTotals(client, doc.RootElement.GetProperty("totals"), expected.Where(r => r.Client == client).ToList());
            }

            using (var adminResponse = await gateway.Admin.GetAsync($"admin/usage?{range}"))
            {
                var body = await adminResponse.Content.ReadAsStringAsync();
                Assert.True(adminResponse.StatusCode == HttpStatusCode.OK, $"GET /admin/usage: {(int)adminResponse.StatusCode} {body}");
                using var admin = JsonDocument.Parse(body);
                foreach (var c in admin.RootElement.GetProperty("clients").EnumerateArray())
                {
                    var id = c.GetProperty("clientId").GetString()!;
                    AssertTotals("admin/" + id, c.GetProperty("totals"), expected.Where(r => r.Client == id).ToList());
                }

                AssertTotals("admin grand total", admin.RootElement.GetProperty("totals"), expected);
            }

            output.WriteLine($"{total} requests in {loadTime.TotalSeconds:F1} s; drained at {drainTime.TotalSeconds:F1} s; total {clock.Elapsed.TotalSeconds:F1} s");
            foreach (var kill in kills) output.WriteLine(kill);
            output.WriteLine($"statuses: {string.Join(", ", expected.GroupBy(r => r.Status).OrderBy(g => g.Key).Select(g => $"{g.Key} x{g.Count()}"))}; " +
                             $"cache hits {expected.Count(r => r.Hit)}; answered by westus {failedOver}; budget refusals {refusals.Count}; " +
                             $"streams without usage {expected.Count(r => r.UsageSource == UsageSource.Event)}");
            output.WriteLine($"cost {expected.Sum(r => r.Cost)} USD, input {expected.Sum(r => r.Input)}, output {expected.Sum(r => r.Output)} tokens");
        }
        finally
        {
            foreach (var worker in workers) worker.Dispose();
            foreach (var client in clients.Values) client.Dispose();
        }
    }

    private static void AssertTotals(string who, JsonElement totals, IReadOnlyList<Received> expected)
    {
        Assert.True(expected.Count == totals.GetProperty("requests").GetInt64(), $"{who}: requests {totals.GetProperty("requests")} != {expected.Count}");
        Assert.True(expected.Count(r => r.Status >= 400) == totals.GetProperty("errors").GetInt64(), $"{who}: errors");
        Assert.True(expected.Sum(r => r.Input) == totals.GetProperty("inputTokens").GetInt64(), $"{who}: input tokens {totals.GetProperty("inputTokens")} != {expected.Sum(r => r.Input)}");
        Assert.True(expected.Sum(r => r.CachedInput) == totals.GetProperty("cachedInputTokens").GetInt64(), $"{who}: cached input tokens");
        Assert.True(expected.Sum(r => r.Output) == totals.GetProperty("outputTokens").GetInt64(), $"{who}: output tokens {totals.GetProperty("outputTokens")} != {expected.Sum(r => r.Output)}");
        Assert.True(expected.Count(r => r.Hit) == totals.GetProperty("cacheHits").GetInt64(), $"{who}: cache hits");
        Assert.Equal(0, totals.GetProperty("unpricedRequests").GetInt64());
        var cost = decimal.Parse(totals.GetProperty("cost").GetString()!, CultureInfo.InvariantCulture);
        Assert.True(expected.Sum(r => r.Cost) == cost, $"{who}: cost {cost} != {expected.Sum(r => r.Cost)}");
    }

    private static int RequestCount()
    {
        var configured = Environment.GetEnvironmentVariable("AOAI_ACCEPTANCE_REQUESTS");
        if (string.IsNullOrWhiteSpace(configured)) return 600;
        return int.TryParse(configured, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= 60
            ? n
            : throw new InvalidOperationException($"AOAI_ACCEPTANCE_REQUESTS must be a whole number of at least 60, not '{configured}'.");
    }

    // ---- traffic ----

    private enum Kind { Chat, StreamUsage, StreamNoUsage, Embedding }

    private enum UsageSource { Body, Chunk, Event, None }

    private sealed record Received(string Client, string RequestId, Kind Kind, string Model, int Status, bool Hit, string Deployment,
        UsageSource UsageSource, long Input, long CachedInput, long Output, decimal Cost, string? ErrorCode, string? ErrorMessage);

    /// <summary>Request <paramref name="i"/> of a client: a fixed mix, so every run exercises every path.</summary>
    private static async Task<Received> SendAsync(HttpClient http, string client, int i, IPriceTable prices)
    {
        var unique = $"{client} request {i} {Guid.NewGuid():N}";
        var repeat = $"{client} repeated question {i % 3}"; // few texts, many repeats: hits even when cache writes lag
        var (kind, model, path, json) = (i % 10) switch
        {
            0 or 1 => (Kind.Chat, "gpt-4o", "v1/chat/completions", Chat("gpt-4o", unique, 0.7, 8 + i % 24, stream: null)),
            2 => (Kind.Chat, "gpt-4o-mini", "v1/chat/completions", Chat("gpt-4o-mini", unique, 0.7, 16, stream: null)),
            3 => (Kind.Chat, "gpt-4o", "v1/chat/completions", Chat("gpt-4o", repeat, 0, 12, stream: null)),
            4 or 5 => (Kind.StreamUsage, "gpt-4o", "v1/chat/completions", Chat("gpt-4o", unique, 0.7, 8 + i % 16, stream: true)),
            6 => (Kind.StreamNoUsage, "gpt-4o", "v1/chat/completions", Chat("gpt-4o", unique, 0.7, 8 + i % 16, stream: false)),
            7 => (Kind.StreamUsage, "gpt-4o", "v1/chat/completions", Chat("gpt-4o", repeat + " streamed", 0, 10, stream: true)),
            8 => (Kind.Embedding, "text-embedding-3-large", "v1/embeddings",
                $"{{\"model\":\"text-embedding-3-large\",\"input\":{JsonSerializer.Serialize(unique)}}}"),
            _ => (Kind.StreamNoUsage, "gpt-4o-mini", "v1/chat/completions", Chat("gpt-4o-mini", unique, 0.7, 12, stream: false)),
        };

        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var status = (int)response.StatusCode;
        var rid = Header(response, "x-aoai-request-id") ?? throw new InvalidOperationException($"no x-aoai-request-id on a {status}");
        var hit = Header(response, "x-aoai-cache") == "HIT";
        var costHeader = Header(response, "x-aoai-cost-usd");
        var deployment = Header(response, "x-aoai-deployment") ?? "";
        var body = await response.Content.ReadAsStringAsync();

        if (status != 200)
        {
            using var error = JsonDocument.Parse(body);
            var e = error.RootElement.GetProperty("error");
            Assert.Equal("0", costHeader);
            return new Received(client, rid, kind, model, status, hit, deployment, UsageSource.None, 0, 0, 0, 0m,
                e.TryGetProperty("code", out var code) ? code.GetString() : null, e.GetProperty("message").GetString());
        }

        var streamed = response.Content.Headers.ContentType?.MediaType == "text/event-stream";
        Assert.Equal(kind is Kind.StreamUsage or Kind.StreamNoUsage, streamed);
        JsonElement? usage = null;
        if (streamed)
        {
            foreach (var line in body.Split('\n'))
            {
                if (!line.StartsWith("data: {", StringComparison.Ordinal)) continue;
                using var chunk = JsonDocument.Parse(line.AsMemory(6));
                if (chunk.RootElement.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object) usage = u.Clone();
            }

            if (kind == Kind.StreamNoUsage)
            {
                // The chunk the gateway asked for on the client's behalf must stay hidden.
                Assert.Null(usage);
                return new Received(client, rid, kind, model, status, hit, deployment, UsageSource.Event, 0, 0, 0, 0m, null, null);
            }
        }
        else
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("usage", out var u) && u.ValueKind == JsonValueKind.Object) usage = u.Clone();
        }

        var seen = usage ?? throw new InvalidOperationException($"{rid} ({kind}) carried no usage: {body[..Math.Min(body.Length, 300)]}");
        var input = seen.GetProperty("prompt_tokens").GetInt64();
        var output = seen.TryGetProperty("completion_tokens", out var ct) ? ct.GetInt64() : 0;
        var cached = seen.TryGetProperty("prompt_tokens_details", out var details) && details.ValueKind == JsonValueKind.Object
                     && details.TryGetProperty("cached_tokens", out var c) ? c.GetInt64() : 0;
        if (hit)
        {
            // A hit is billed nothing: what the body shows is the stored answer's usage, saved rather than used.
            if (costHeader is not null) Assert.Equal("0", costHeader);
            return new Received(client, rid, kind, model, status, hit, deployment, UsageSource.Body, 0, 0, 0, 0m, null, null);
        }

        var computed = Cost(prices, model, input, cached, output);
        if (!streamed)
        {
            Assert.True(costHeader is not null, $"{rid}: no x-aoai-cost-usd on a non-streamed 200");
            var header = decimal.Parse(costHeader, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
            Assert.True(header == computed, $"{rid}: x-aoai-cost-usd {header} != {computed} from the body's usage");
        }

        return new Received(client, rid, kind, model, status, hit, deployment, streamed ? UsageSource.Chunk : UsageSource.Body,
            input, cached, output, computed, null, null);
    }

    private static string Chat(string model, string text, double temperature, int maxTokens, bool? stream)
    {
        var streamPart = stream switch
        {
            true => ",\"stream\":true,\"stream_options\":{\"include_usage\":true}",
            false => ",\"stream\":true",
            null => "",
        };
        return $"{{\"model\":\"{model}\",\"messages\":[{{\"role\":\"user\",\"content\":{JsonSerializer.Serialize(text)}}}]," +
               $"\"temperature\":{temperature.ToString(CultureInfo.InvariantCulture)},\"max_tokens\":{maxTokens}{streamPart}}}";
    }

    private static decimal Cost(IPriceTable prices, string model, long input, long cached, long output)
    {
        Assert.True(prices.TryGetPrice(model, DateTimeOffset.UtcNow, out _, out var price), $"no price for {model}");
        return CostCalculator.Calculate(price, input, cached, output);
    }

    private static string? Header(HttpResponseMessage response, string name)
        => response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values) ? values.First() : null;

    private static HttpClient NewClient(Uri baseAddress, string key)
    {
        var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromSeconds(60),
        };
        http.DefaultRequestHeaders.Add("api-key", key);
        return http;
    }

    /// <summary>Keeps the primary region failing now and then: 429s with retry-after-ms (cooldown, failover) and 503s.</summary>
    private async Task InjectFaultsAsync(CancellationToken stop)
    {
        var round = 0;
        while (!stop.IsCancellationRequested)
        {
            var deployment = (round % 3) switch { 0 => "gpt-4o", 1 => "gpt-4o-mini", _ => "text-embedding-3-large" };
            await _east.AddFaultAsync(round % 2 == 0 ? "429" : "503", count: 2, retryAfterMs: 250, deployment: deployment);
            round++;
            try
            {
                await Task.Delay(150, stop);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    // ---- infrastructure ----

    private async Task<GatewayHost> StartGatewayAsync()
    {
        var gateway = await GatewayHost.StartAsync(
        [
            new DeploymentSpec("eastus-gpt-4o", _east.BaseAddress, Region: "eastus", Priority: 1),
            new DeploymentSpec("westus-gpt-4o", _west.BaseAddress, Region: "westus", Priority: 2),
            new DeploymentSpec("eastus-gpt-4o-mini", _east.BaseAddress, "gpt-4o-mini", "gpt-4o-mini", Region: "eastus", Priority: 1),
            new DeploymentSpec("westus-gpt-4o-mini", _west.BaseAddress, "gpt-4o-mini", "gpt-4o-mini", Region: "westus", Priority: 2),
            new DeploymentSpec("eastus-embeddings", _east.BaseAddress, "text-embedding-3-large", "text-embedding-3-large", Region: "eastus", Priority: 1),
            new DeploymentSpec("westus-embeddings", _west.BaseAddress, "text-embedding-3-large", "text-embedding-3-large", Region: "westus", Priority: 2),
        ],
        [
            $"--ConnectionStrings:redis={_redis.ConnectionString}",
            $"--ConnectionStrings:cosmos={_cosmos.ConnectionString}",
            $"--Cosmos:DatabaseName={_database}",
            // Every fault and budget refusal would log a warning: thousands of lines in a 10,000-request run.
            "--Logging:LogLevel:Default=Error",
            "--Gateway:Routing:DefaultCooldown=00:00:01",
            "--Gateway:Routing:AttemptTimeout=00:00:05",
            "--Gateway:Routing:MaxTotalTime=00:00:20",
            // This scenario is about accounting with cache hits among the traffic, not about shedding a slow cache: on
            // a loaded machine the local Cosmos server (also taking the Worker's writes) can pass the 150 ms lookup
            // timeout, and five timeouts would open the cache's circuit for longer than the whole run.
            "--Gateway:Cache:LookupTimeoutMs=3000",
            "--Gateway:Cache:BreakDuration=00:00:01",
            "--Gateway:Clients:2:Id=acme",
            $"--Gateway:Clients:2:KeyHash={KeyHasher.HashHex(AcmeKey)}",
            $"--Gateway:Clients:3:Id={BudgetClient}",
            $"--Gateway:Clients:3:KeyHash={KeyHasher.HashHex(BudgetKey)}",
            $"--Gateway:Clients:3:Budget:DailyUsd={DailyBudget}",
        ]);
        await gateway.Services.GetRequiredService<AoaiContainers>().WhenReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));
        return gateway;
    }

    private WorkerProcess StartWorker(int n) => WorkerProcess.Start(new Dictionary<string, string?>
    {
        ["ConnectionStrings:redis"] = _redis.ConnectionString,
        ["ConnectionStrings:cosmos"] = _cosmos.ConnectionString,
        ["Cosmos:DatabaseName"] = _database,
        ["Worker:ConsumerName"] = $"acceptance-{n}",
        ["Worker:BatchSize"] = "25",
        ["Worker:PollInterval"] = "00:00:00.020",
        // A killed replica's batch is taken over quickly (production: 30 s).
        ["Worker:ClaimIdleTime"] = "00:00:01",
        ["Worker:ClaimInterval"] = "00:00:00.250",
        // Thousands of events: keep the Worker's own log to what matters.
        ["Logging:LogLevel:AspireAoai"] = "Information",
    });

    /// <summary>Waits until the consumer has read from the group (so the kill lands on a working Worker).</summary>
    private static async Task WaitUntilReadingAsync(IDatabase db, string consumer, WorkerProcess worker)
    {
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            Assert.False(worker.HasExited, $"Worker {consumer} exited:\n{worker.Output}");
            if (await db.KeyExistsAsync(UsageStream.Key))
            {
                try
                {
                    var consumers = await db.StreamConsumerInfoAsync(UsageStream.Key, UsageStream.ConsumerGroup);
                    if (consumers.Any(c => c.Name == consumer)) return;
                }
                catch (RedisServerException)
                {
                    // NOGROUP: the Worker has not created its group yet
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"Worker {consumer} did not start reading:\n{worker.Output}");
            await Task.Delay(50);
        }
    }

    private static async Task<long> ConsumerPendingAsync(IDatabase db, string consumer)
    {
        var consumers = await db.StreamConsumerInfoAsync(UsageStream.Key, UsageStream.ConsumerGroup);
        return consumers.FirstOrDefault(c => c.Name == consumer).PendingMessageCount;
    }

    private sealed record Event(string ClientId, int Status, bool CacheHit, long InputTokens, long CachedInputTokens, long OutputTokens);

    /// <summary>Reads the whole usage stream once the gateway has written an event per response; keyed by request id.</summary>
    private static async Task<Dictionary<string, Event>> WaitForEventsAsync(IDatabase db, int expected)
    {
        await WaitUntilAsync(async () => (await Usage.UsageStreamProbe.ReadAllAsync(db)).Count >= expected, TimeSpan.FromSeconds(30),
            "the gateway did not write a usage event per response");
        var events = new Dictionary<string, Event>();
        var duplicates = new List<string>();
        foreach (var usage in await Usage.UsageStreamProbe.ReadAllAsync(db))
        {
            var e = new Event(usage.ClientId, usage.Status, usage.CacheHit, usage.InputTokens, usage.CachedInputTokens, usage.OutputTokens);
            if (!events.TryAdd(usage.RequestId, e)) duplicates.Add(usage.RequestId);
        }

        Assert.True(duplicates.Count == 0, $"{duplicates.Count} requests have more than one usage event, e.g. {duplicates.FirstOrDefault()}");
        return events;
    }

    /// <summary>The stream is drained: nothing pending in the group and every entry delivered.</summary>
    private static async Task WaitUntilDrainedAsync(IDatabase db, WorkerProcess worker)
    {
        await WaitUntilAsync(async () =>
        {
            Assert.False(worker.HasExited, "the last Worker exited:\n" + worker.Output);
            var info = await db.StreamInfoAsync(UsageStream.Key);
            var group = (await db.StreamGroupInfoAsync(UsageStream.Key)).FirstOrDefault(g => g.Name == UsageStream.ConsumerGroup);
            return group.Name is not null && group.PendingMessageCount == 0 && group.LastDeliveredId == info.LastGeneratedId;
        }, TimeSpan.FromSeconds(120), "the Worker did not drain the usage stream:\n" + worker.Output);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string because)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, because);
            await Task.Delay(50);
        }
    }
}
