using System.Diagnostics;
using System.Net;
using AspireAoai.Api.Caching;
using AspireAoai.TestSupport;
using static AspireAoai.Api.Tests.Caching.CachedGateway;

namespace AspireAoai.Api.Tests.Caching;

/// <summary>
/// Issue 22: the cache comes back by itself when Cosmos DB comes back empty (a local server restarted, a container
/// deleted in place): the database and container are re-created and HITs resume within 5 s, and no request fails or
/// waits meanwhile. The 5 s bound is the behaviour asked for (the cache must not stay off for a break or forever), not
/// a speed goal: it takes about a second.
/// </summary>
public sealed class CacheStoreRecoveryTests
{
    /// <summary>These tests are about the store: without the in-process first level, which would answer repeats itself.</summary>
    private const string StoreOnly = "--Gateway:Cache:MemoryMaxBytes=0";

    private static readonly TimeSpan HitsResumeWithin = TimeSpan.FromSeconds(5);

    private static string Unique(string what) => $"{what} {Guid.NewGuid():N}";

    [Fact]
    public async Task CosmosRestartedEmptyOnTheSamePort_CacheHitsResumeWithinFiveSeconds_AndNoCacheWriteFailsAfterwards()
    {
        await using var cosmos = await CosmosServer.StartAsync();
        await using var gw = await StartAsync(cosmos.ConnectionString, [StoreOnly]);
        var cached = ChatJson(Unique("Cached before the restart."));
        await MakeEntryAsync(gw, cached, storedBefore: 0);

        // Down long enough to open the circuit (5 failures in a row by default): requests keep succeeding as misses.
        await cosmos.StopAsync();
        for (var i = 0; i < 7; i++)
        {
            var (response, _, _) = await PostAsync(gw.Http, ChatPath(), i % 2 == 0 ? cached : ChatJson(Unique("During the outage.")));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(CacheStatus.Miss, CacheHeader(response));
        }

        await cosmos.StartAgainAsync(); // empty: no database, no containers
        var failedBefore = gw.Metrics.Count("aoai.cache.stores", "failed");
        var elapsed = await RequestUntilHitAsync(gw, cached);

        Assert.True(elapsed < HitsResumeWithin, $"the first HIT came {elapsed.TotalSeconds:F1} s after the restart");
        await AssertWritesSucceedAsync(gw, failedBefore);
    }

    [Fact]
    public async Task CacheContainerDeletedInPlace_IsRecreated_AndHitsResumeWithinFiveSeconds()
    {
        await using var cosmos = await CosmosServer.StartAsync();
        await using var gw = await StartAsync(cosmos.ConnectionString, [StoreOnly]);
        var cached = ChatJson(Unique("Cached before the deletion."));
        await MakeEntryAsync(gw, cached, storedBefore: 0);

        using (var client = cosmos.CreateClient())
        {
            await client.GetContainer(gw.Database, "cache").DeleteContainerAsync();
        }

        var failedBefore = gw.Metrics.Count("aoai.cache.stores", "failed");
        var elapsed = await RequestUntilHitAsync(gw, cached);

        Assert.True(elapsed < HitsResumeWithin, $"the first HIT came {elapsed.TotalSeconds:F1} s after the deletion");
        await AssertWritesSucceedAsync(gw, failedBefore);
    }

    private static async Task MakeEntryAsync(CachedGateway gw, string json, long storedBefore)
    {
        var (miss, _, _) = await PostAsync(gw.Http, ChatPath(), json);
        Assert.Equal(CacheStatus.Miss, CacheHeader(miss));
        await gw.Metrics.WaitForAsync("aoai.cache.stores", "stored", storedBefore + 1);
        // Setup, not the behaviour under test: on a loaded machine one lookup may miss its 150 ms timeout, so allow three.
        var (hit, _, _) = await PostAsync(gw.Http, ChatPath(), json);
        for (var i = 0; i < 2 && CacheHeader(hit) != CacheStatus.Hit; i++)
        {
            (hit, _, _) = await PostAsync(gw.Http, ChatPath(), json);
        }

        Assert.True(CacheHeader(hit) == CacheStatus.Hit, $"expected a HIT; misses: timeout {gw.Metrics.Count("aoai.cache.misses", "timeout")}, "
            + $"error {gw.Metrics.Count("aoai.cache.misses", "error")}, not_found {gw.Metrics.Count("aoai.cache.misses", "not_found")}, "
            + $"unavailable {gw.Metrics.Count("aoai.cache.misses", "unavailable")}");
    }

    /// <summary>Repeats the request every 100 ms until it is a HIT (every answer a 200); the time it took.</summary>
    private static async Task<TimeSpan> RequestUntilHitAsync(CachedGateway gw, string json)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var (response, body, _) = await PostAsync(gw.Http, ChatPath(), json);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.NotEmpty(body);
            if (CacheHeader(response) == CacheStatus.Hit)
            {
                return watch.Elapsed;
            }

            // Bounded: a cache that never comes back fails here, with what it did meanwhile.
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(30),
                $"no HIT in 30 s; stores failed {gw.Metrics.Count("aoai.cache.stores", "failed")}, misses unavailable {gw.Metrics.Count("aoai.cache.misses", "unavailable")}");
            await Task.Delay(100);
        }
    }

    /// <summary>New answers are stored, and no write has failed since <paramref name="failedBefore"/> was read.</summary>
    private static async Task AssertWritesSucceedAsync(CachedGateway gw, long failedBefore)
    {
        var stored = gw.Metrics.Count("aoai.cache.stores", "stored");
        for (var i = 0; i < 5; i++)
        {
            var (response, _, _) = await PostAsync(gw.Http, ChatPath(), ChatJson(Unique("After the store came back.")));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await gw.Metrics.WaitForAsync("aoai.cache.stores", "stored", stored + 5);
        Assert.Equal(failedBefore, gw.Metrics.Count("aoai.cache.stores", "failed"));
    }
}
