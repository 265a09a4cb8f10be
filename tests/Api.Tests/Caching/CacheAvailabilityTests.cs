using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AspireAoai.Api.Caching;
using AspireAoai.TestSupport;
using static AspireAoai.Api.Tests.Caching.CachedGateway;

namespace AspireAoai.Api.Tests.Caching;

/// <summary>The cache can never make the gateway less available: a dead or hanging store is a MISS.</summary>
public sealed class CacheAvailabilityTests
{
    /// <summary>These tests are about the store: without the in-process first level, which would answer repeats itself.</summary>
    private const string StoreOnly = "--Gateway:Cache:MemoryMaxBytes=0";

    private static string Unique(string what) => $"{what} {Guid.NewGuid():N}";

    [Fact]
    public async Task CosmosStoppedMidRun_EveryRequestStillSucceeds_AsAMiss_AndTheReplicaStaysReady()
    {
        var cosmos = await CosmosServer.StartAsync();
        await using var gw = await StartAsync(cosmos.ConnectionString, ["--Gateway:Cache:FailureThreshold=3", StoreOnly]);
        var cached = ChatJson(Unique("Cached before the outage."));
        var (before, _, _) = await PostAsync(gw.Http, ChatPath(), cached);
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        await gw.Metrics.WaitForAsync("aoai.cache.stores", "stored", 1);
        var (hit, _, _) = await PostAsync(gw.Http, ChatPath(), cached);
        Assert.Equal(CacheStatus.Hit, CacheHeader(hit));

        await cosmos.DisposeAsync();

        for (var i = 0; i < 8; i++)
        {
            var json = i % 2 == 0 ? cached : ChatJson(Unique("During the outage."), stream: i % 4 == 1);
            var (response, body, _) = await PostAsync(gw.Http, ChatPath(), json);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(CacheStatus.Miss, CacheHeader(response));
            Assert.NotEmpty(body);
        }

        Assert.True(gw.Metrics.Count("aoai.cache.errors", "lookup") >= 1, "lookup failures are counted");
        Assert.True(gw.Metrics.Count("aoai.cache.misses", "unavailable") >= 1, "the circuit opened and lookups were skipped");
        Assert.Equal(9, await gw.Simulator.RequestsAsync(Chat));

        using var health = await gw.Http.GetAsync("health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task AStoreThatNeverAnswers_CostsAtMostTheLookupTimeout()
    {
        // Accepts connections and never answers: the worst kind of outage.
        using var blackHole = new TcpListener(IPAddress.Loopback, 0);
        blackHole.Start();
        var held = new List<TcpClient>();
        using var stop = new CancellationTokenSource();
        var acceptor = Task.Run(async () =>
        {
            try
            {
                while (true)
                {
                    held.Add(await blackHole.AcceptTcpClientAsync(stop.Token));
                }
            }
            catch (OperationCanceledException)
            {
            }
        });
        var port = ((IPEndPoint)blackHole.LocalEndpoint).Port;

        try
        {
            await using var gw = await StartAsync($"AccountEndpoint=http://127.0.0.1:{port}/;AccountKey={CosmosServer.WellKnownKey};",
                ["--Cosmos:CreateResources=false", "--Gateway:Cache:LookupTimeoutMs=100", "--Gateway:Cache:WriteTimeoutMs=200", "--Gateway:Cache:FailureThreshold=100", StoreOnly]);

            var json = ChatJson(Unique("Black hole."));
            for (var i = 0; i < 3; i++)
            {
                var watch = Stopwatch.StartNew();
                var (response, _, _) = await PostAsync(gw.Http, ChatPath(), json);
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal(CacheStatus.Miss, CacheHeader(response));
                // The store would hold a request for many seconds; the gateway waits 100 ms for it.
                Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"request {i} took {watch.Elapsed}");
            }

            Assert.Equal(3, gw.Metrics.Count("aoai.cache.misses", "timeout"));
            Assert.Equal(3, gw.Metrics.Count("aoai.cache.errors", "lookup"));
        }
        finally
        {
            await stop.CancelAsync();
            await acceptor;
            foreach (var client in held)
            {
                client.Dispose();
            }
        }
    }
}
