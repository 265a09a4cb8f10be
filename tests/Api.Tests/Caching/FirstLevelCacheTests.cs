using System.Net;
using AspireAoai.Api.Caching;
using AspireAoai.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static AspireAoai.Api.Tests.Caching.CachedGateway;

namespace AspireAoai.Api.Tests.Caching;

/// <summary>The in-process first level in front of the Cosmos store, and stampede protection, through the real gateway.</summary>
public sealed class FirstLevelCacheTests(CosmosFixture cosmos) : IClassFixture<CosmosFixture>
{
    private const string Levels = "aoai.cache.level.reads";

    private static string Unique(string what) => $"{what} {Guid.NewGuid():N}";

    [Fact]
    public async Task AHitHeldInMemory_IsServedWithoutAStoreRead()
    {
        await using var gw = await StartAsync(cosmos.Server.ConnectionString);
        var json = ChatJson(Unique("What is a first level?"));

        var (miss, missBody, _) = await PostAsync(gw.Http, ChatPath(), json);
        await gw.Metrics.WaitForAsync("aoai.cache.stores", "stored", 1);
        var storeReadsAfterTheMiss = gw.Metrics.Count(Levels, "store");

        for (var i = 0; i < 3; i++)
        {
            var (hit, hitBody, _) = await PostAsync(gw.Http, ChatPath(), json);
            Assert.Equal(CacheStatus.Hit, CacheHeader(hit));
            Assert.Equal(missBody, hitBody);
        }

        Assert.Equal(CacheStatus.Miss, CacheHeader(miss));
        Assert.Equal(1, storeReadsAfterTheMiss);
        Assert.Equal(storeReadsAfterTheMiss, gw.Metrics.Count(Levels, "store"));
        Assert.Equal(3, gw.Metrics.Count(Levels, "memory"));
        Assert.Equal(1, await gw.Simulator.RequestsAsync(Chat));
    }

    [Fact]
    public async Task AnotherClientsIdenticalRequest_IsNotServedFromTheFirstClientsMemoryEntry()
    {
        await using var gw = await StartAsync(cosmos.Server.ConnectionString);
        var json = ChatJson(Unique("Whose entry is this?"));

        await PostAsync(gw.Http, ChatPath(), json);
        await gw.Metrics.WaitForAsync("aoai.cache.stores", "stored", 1);
        var (other, _, _) = await PostAsync(gw.Limited, ChatPath(), json);

        Assert.Equal(CacheStatus.Miss, CacheHeader(other));
        Assert.Equal(2, await gw.Simulator.RequestsAsync(Chat));
    }

    [Fact]
    public async Task TheFirstLevel_StaysWithinItsByteBound_AndWhatItDropsIsStillFoundInTheStore()
    {
        const long bound = 6 * 1024;
        await using var gw = await StartAsync(cosmos.Server.ConnectionString, [$"--Gateway:Cache:MemoryMaxBytes={bound}"]);
        var layer = Assert.IsType<MemoryCacheLayer>(gw.Gateway.Services.GetRequiredService<ICacheStore>());
        var prompts = new string[6];
        for (var i = 0; i < prompts.Length; i++)
        {
            prompts[i] = ChatJson(Unique($"Entry {i}"), maxTokens: 40);
            await PostAsync(gw.Http, ChatPath(), prompts[i]);
            await gw.Metrics.WaitForAsync("aoai.cache.stores", "stored", i + 1);
            Assert.InRange(layer.Size, 0, bound);
        }

        Assert.InRange(layer.Count, 1, prompts.Length - 1);
        foreach (var json in prompts)
        {
            var (again, _, _) = await PostAsync(gw.Http, ChatPath(), json);
            Assert.Equal(CacheStatus.Hit, CacheHeader(again));
            Assert.InRange(layer.Size, 0, bound);
        }

        Assert.True(gw.Metrics.Count(Levels, "hit") > 0);
        Assert.Equal(prompts.Length, await gw.Simulator.RequestsAsync(Chat));
    }

    [Fact]
    public async Task AMemoryEntry_LeavesAtItsTtl_AndIsNotServedAfterIt()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var gw = await StartAsync(cosmos.Server.ConnectionString, configure: b => b.Services.AddSingleton<TimeProvider>(clock));
        var json = ChatJson(Unique("Short lived."));

        await PostAsync(gw.Http, ChatPath(), json, (CacheStatus.TtlHeaderName, "60"));
        await gw.Metrics.WaitForAsync("aoai.cache.stores", "stored", 1);
        clock.Advance(TimeSpan.FromSeconds(59));
        var (young, _, _) = await PostAsync(gw.Http, ChatPath(), json);
        Assert.Equal(CacheStatus.Hit, CacheHeader(young));
        Assert.Equal(1, gw.Metrics.Count(Levels, "memory"));

        clock.Advance(TimeSpan.FromSeconds(2));
        var (old, _, _) = await PostAsync(gw.Http, ChatPath(), json);

        Assert.Equal(CacheStatus.Miss, CacheHeader(old));
        Assert.Equal(1, gw.Metrics.Count(Levels, "memory"));
        Assert.Equal(1, gw.Metrics.Count("aoai.cache.misses", "expired"));
        Assert.Equal(2, await gw.Simulator.RequestsAsync(Chat));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task IdenticalConcurrentMisses_MakeOneUpstreamCall_WhenCoalescingIsOn(bool stream)
    {
        await using var gw = await StartAsync(cosmos.Server.ConnectionString, ["--Gateway:Cache:CoalesceMisses=true"],
            simulatorArgs: ["--Simulator:Latency:TimeToFirstTokenMs=1500"]);
        var json = ChatJson(Unique("Everyone asks this at once."), stream: stream);

        var calls = new Task<(HttpResponseMessage Response, byte[] Body, TimeSpan Elapsed)>[8];
        for (var i = 0; i < calls.Length; i++)
        {
            calls[i] = PostAsync(gw.Http, ChatPath(), json);
        }

        var results = await Task.WhenAll(calls);

        Assert.All(results, r => Assert.Equal(HttpStatusCode.OK, r.Response.StatusCode));
        Assert.Equal(1, await gw.Simulator.RequestsAsync(Chat));
        Assert.Equal(1, results.Count(r => CacheHeader(r.Response) == CacheStatus.Miss));
        Assert.Equal(calls.Length - 1, results.Count(r => CacheHeader(r.Response) == CacheStatus.Hit));
        // Each waiter counts its coalesced hit just after writing it, so the last count may land after its client read it.
        await gw.Metrics.WaitForAsync("aoai.cache.coalesced", "hit", calls.Length - 1);
        Assert.Equal(calls.Length - 1, gw.Metrics.Count("aoai.cache.coalesced", "hit"));
        Assert.Equal(0, await InFlightOnceRequestsEndAsync(gw.Gateway.Services.GetRequiredService<MissCoalescer>()));
    }

    [Fact]
    public async Task IdenticalConcurrentMisses_EachGoUpstream_WhenCoalescingIsOff()
    {
        await using var gw = await StartAsync(cosmos.Server.ConnectionString, simulatorArgs: ["--Simulator:Latency:TimeToFirstTokenMs=1500"]);
        var json = ChatJson(Unique("Everyone asks this at once, uncoalesced."));

        var calls = new Task<(HttpResponseMessage Response, byte[] Body, TimeSpan Elapsed)>[4];
        for (var i = 0; i < calls.Length; i++)
        {
            calls[i] = PostAsync(gw.Http, ChatPath(), json);
        }

        await Task.WhenAll(calls);

        Assert.Equal(calls.Length, await gw.Simulator.RequestsAsync(Chat));
    }

    [Fact]
    public async Task WaitersOfAnAnswerThatIsNotStored_GoUpstreamThemselves()
    {
        await using var gw = await StartAsync(cosmos.Server.ConnectionString, ["--Gateway:Cache:CoalesceMisses=true"],
            simulatorArgs: ["--Simulator:Latency:TimeToFirstTokenMs=1000"]);
        // A refused prompt (400, relayed, no cool-down) is never stored: the waiters must not be answered from it.
        await gw.Simulator.AddFaultAsync("prompt_filter", count: 1, deployment: Chat);
        var json = ChatJson(Unique("This one fails first."));

        var calls = new Task<(HttpResponseMessage Response, byte[] Body, TimeSpan Elapsed)>[3];
        for (var i = 0; i < calls.Length; i++)
        {
            calls[i] = PostAsync(gw.Http, ChatPath(), json);
        }

        var results = await Task.WhenAll(calls);

        Assert.Equal(1, results.Count(r => r.Response.StatusCode == HttpStatusCode.BadRequest));
        Assert.Equal(calls.Length - 1, results.Count(r => r.Response.StatusCode == HttpStatusCode.OK));
        Assert.True(await gw.Simulator.RequestsAsync(Chat) >= 2);
        Assert.Equal(0, await InFlightOnceRequestsEndAsync(gw.Gateway.Services.GetRequiredService<MissCoalescer>()));
    }

    /// <summary>
    /// The coalescer's count once the leader's request has ended: its entry is released by the request's completion step
    /// (RequestCompletion, when the handler is done), which may run just after its client read the answer.
    /// </summary>
    private static async Task<int> InFlightOnceRequestsEndAsync(MissCoalescer coalescer)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (coalescer.InFlight != 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        return coalescer.InFlight;
    }
}
