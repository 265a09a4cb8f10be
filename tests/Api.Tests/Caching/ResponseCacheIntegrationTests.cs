using System.Net;
using System.Text;
using System.Text.Json;
using AspireAoai.Api.Caching;
using AspireAoai.Api.Parsing;
using AspireAoai.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using static AspireAoai.Api.Tests.Caching.CachedGateway;

namespace AspireAoai.Api.Tests.Caching;

/// <summary>The cache through the real gateway: the simulator upstream, the Node Cosmos DB-compatible server as the store.</summary>
public sealed class ResponseCacheIntegrationTests(CosmosFixture cosmos) : IClassFixture<CosmosFixture>
{
    private static string Unique(string what) => $"{what} {Guid.NewGuid():N}";

    [Fact]
    public async Task RepeatedDeterministicRequest_IsServedFromTheCache_ByteIdentical_WithoutGoingUpstream()
    {
        // The upstream takes 400 ms to answer; a hit must not.
        await using var gw = await StartAsync(cosmos.Server.ConnectionString, simulatorArgs: ["--Simulator:Latency:TimeToFirstTokenMs=400"]);
        var json = ChatJson(Unique("What is two plus two?"));

        var (first, firstBody, missTime) = await PostAsync(gw.Http, ChatPath(), json);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(CacheStatus.Miss, CacheHeader(first));
        Assert.Null(Age(first));
        await gw.Metrics.WaitForAsync("aoai.cache.stores", "stored", 1);

        var (second, secondBody, hitTime) = await PostAsync(gw.Http, ChatPath(), json);

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(CacheStatus.Hit, CacheHeader(second));
        Assert.NotNull(Age(second));
        Assert.Equal("application/json", ContentType(second)!.MediaType);
        Assert.Equal(firstBody, secondBody);
        Assert.Equal(1, await gw.Simulator.RequestsAsync(Chat));
        Assert.True(missTime >= TimeSpan.FromMilliseconds(400), $"the miss took {missTime}");
        Assert.True(hitTime < missTime, $"the hit took {hitTime}, the miss {missTime}");
        Assert.Equal(1, gw.Metrics.Count("aoai.cache.hits"));
        Assert.True(gw.Metrics.Count("aoai.cache.tokens_saved", "output") > 0);
        Assert.Equal(2, gw.Metrics.Count("aoai.cache.lookup.duration"));
    }

    [Fact]
    public async Task IdenticalRequestOfAnotherClient_Misses_AndEachClientHitsOnlyItsOwnEntry()
    {
        await using var gw = await StartAsync(cosmos.Server.ConnectionString);
        var json = ChatJson(Unique("Name a colour."));

        var (a1, _, _) = await PostAsync(gw.Http, ChatPath(), json);
        await gw.Metrics.WaitForAsync("aoai.cache.stores", "stored", 1);
        var (b1, _, _) = await PostAsync(gw.Limited, ChatPath(), json);
        await gw.Metrics.WaitForAsync("aoai.cache.stores", "stored", 2);
        var (a2, _, _) = await PostAsync(gw.Http, ChatPath(), json);
        var (b2, _, _) = await PostAsync(gw.Limited, ChatPath(), json);

        Assert.Equal(CacheStatus.Miss, CacheHeader(a1));
        Assert.Equal(CacheStatus.Miss, CacheHeader(b1));
        Assert.Equal(CacheStatus.Hit, CacheHeader(a2));
        Assert.Equal(CacheStatus.Hit, CacheHeader(b2));
        Assert.Equal(2, await gw.Simulator.RequestsAsync(Chat));

        // Each entry lives in its client's partition, under the same key.
        var key = CacheKey.Compute(OperationKind.ChatCompletions, Chat, Encoding.UTF8.GetBytes(json));
        Assert.Equal(200, (await gw.ReadItemAsync(cosmos.Server, "test", key)).Status);
        Assert.Equal(200, (await gw.ReadItemAsync(cosmos.Server, "limited", key)).Status);
    }

    [Fact]
    public async Task WithASharedNamespace_ClientsShareEntries()
    {
        await using var gw = await StartAsync(cosmos.Server.ConnectionString, ["--Gateway:Cache:SharedNamespace=everyone"]);
        var json = ChatJson(Unique("Name a shape."));

        await PostAsync(gw.Http, ChatPath(), json);
        await gw.Metrics.WaitForAsync("aoai.cache.stores", "stored", 1);
        var (other, _, _) = await PostAsync(gw.Limited, ChatPath(), json);

        Assert.Equal(CacheStatus.Hit, CacheHeader(other));
        Assert.Equal(1, await gw.Simulator.RequestsAsync(Chat));
    }

    [Fact]
    public async Task NonZeroTemperature_NeverHits_AndIsNotMarked()
    {
        await using var gw = await StartAsync(cosmos.Server.ConnectionString);
        var json = ChatJson(Unique("Tell a story."), temperature: "0.7");

        for (var i = 0; i < 3; i++)
        {
            var (response, _, _) = await PostAsync(gw.Http, ChatPath(), json);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Null(CacheHeader(response));
        }

        Assert.Equal(3, await gw.Simulator.RequestsAsync(Chat));
        Assert.Equal(0, gw.Metrics.Count("aoai.cache.lookup.duration"));
        Assert.Equal(0, gw.Metrics.Count("aoai.cache.stores"));
    }

    [Fact]
    public async Task NoCache_SkipsTheLookupAndRefreshesTheEntry_NoStore_NeitherReadsNorWrites()
    {
        await using var gw = await StartAsync(cosmos.Server.ConnectionString);
        var json = ChatJson(Unique("Count to three."));
        await PostAsync(gw.Http, ChatPath(), json);
        await gw.Metrics.WaitForAsync("aoai.cache.stores", "stored", 1);

        var (refreshed, _, _) = await PostAsync(gw.Http, ChatPath(), json, ("cache-control", "no-cache"));
        Assert.Equal(CacheStatus.Miss, CacheHeader(refreshed));
        await gw.Metrics.WaitForAsync("aoai.cache.stores", "stored", 2);
        var (bypassed, _, _) = await PostAsync(gw.Http, ChatPath(), json, ("cache-control", "no-store"));
        Assert.Equal(CacheStatus.Bypass, CacheHeader(bypassed));
        Assert.Equal(3, await gw.Simulator.RequestsAsync(Chat));

        var (hit, _, _) = await PostAsync(gw.Http, ChatPath(), json);
        Assert.Equal(CacheStatus.Hit, CacheHeader(hit));
        Assert.Equal(3, await gw.Simulator.RequestsAsync(Chat));

        // no-store on a new prompt leaves nothing behind.
        var fresh = ChatJson(Unique("Count to four."));
        await PostAsync(gw.Http, ChatPath(), fresh, ("cache-control", "no-store"));
        var (after, _, _) = await PostAsync(gw.Http, ChatPath(), fresh);
        Assert.Equal(CacheStatus.Miss, CacheHeader(after));
        Assert.Equal(2, gw.Metrics.Count("aoai.cache.stores", "stored"));
    }

    [Fact]
    public async Task Ttl_IsEnforcedByTheGateway_EvenWhileTheStoreStillHoldsTheEntry()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        await using var gw = await StartAsync(cosmos.Server.ConnectionString, configure: b => b.Services.AddSingleton<TimeProvider>(clock));
        var json = ChatJson(Unique("Spell cat."));
        var ttl = (CacheStatus.TtlHeaderName, "60");

        await PostAsync(gw.Http, ChatPath(), json, ttl);
        await gw.Metrics.WaitForAsync("aoai.cache.stores", "stored", 1);

        clock.Advance(TimeSpan.FromSeconds(30));
        var (young, _, _) = await PostAsync(gw.Http, ChatPath(), json);
        Assert.Equal(CacheStatus.Hit, CacheHeader(young));
        Assert.Equal(30, Age(young));

        // A request that accepts at most 20 s of age does not get this 30 s old entry.
        var (picky, _, _) = await PostAsync(gw.Http, ChatPath(), json, (CacheStatus.TtlHeaderName, "20"));
        Assert.Equal(CacheStatus.Miss, CacheHeader(picky));
        Assert.Equal(1, gw.Metrics.Count("aoai.cache.misses", "stale"));
        await gw.Metrics.WaitForAsync("aoai.cache.stores", "stored", 2);

        var key = CacheKey.Compute(OperationKind.ChatCompletions, Chat, Encoding.UTF8.GetBytes(json));
        var (_, refreshed) = await gw.ReadItemAsync(cosmos.Server, "test", key);
        using (var doc = JsonDocument.Parse(refreshed!))
        {
            Assert.Equal(20, doc.RootElement.GetProperty("ttl").GetInt32());
            Assert.Equal("test", doc.RootElement.GetProperty("clientId").GetString());
            Assert.Equal(Chat, doc.RootElement.GetProperty("model").GetString());
            Assert.Equal(clock.GetUtcNow().AddSeconds(20), doc.RootElement.GetProperty("expiresAt").GetDateTimeOffset());
            Assert.Equal(JsonValueKind.String, doc.RootElement.GetProperty("body").ValueKind);
        }

        // 21 s later the refreshed entry has expired: the store (which never deletes it) still has it, the gateway does not serve it.
        clock.Advance(TimeSpan.FromSeconds(21));
        Assert.Equal(200, (await gw.ReadItemAsync(cosmos.Server, "test", key)).Status);
        var (old, _, _) = await PostAsync(gw.Http, ChatPath(), json);
        Assert.Equal(CacheStatus.Miss, CacheHeader(old));
        Assert.Equal(1, gw.Metrics.Count("aoai.cache.misses", "expired"));
        Assert.Equal(3, await gw.Simulator.RequestsAsync(Chat));
    }

    [Fact]
    public async Task AnswersThatAreNotFinishedNormally_AreNotStored_AndErrorsStillReachTheClient()
    {
        await using var gw = await StartAsync(cosmos.Server.ConnectionString);
        var filtered = ChatJson(Unique("Filter me."));

        await gw.Simulator.AddFaultAsync("completion_filter", count: 1);
        var (first, firstBody, _) = await PostAsync(gw.Http, ChatPath(), filtered);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Contains("content_filter", Encoding.UTF8.GetString(firstBody));
        await gw.Metrics.WaitForAsync("aoai.cache.stores", "finish_reason", 1);

        var (second, _, _) = await PostAsync(gw.Http, ChatPath(), filtered);
        Assert.Equal(CacheStatus.Miss, CacheHeader(second));

        // Upstream errors on a cacheable request pass through whole (the response body is wrapped on a MISS).
        await gw.Simulator.AddFaultAsync("prompt_filter", count: 1);
        var (rejected, rejectedBody, _) = await PostAsync(gw.Http, ChatPath(), ChatJson(Unique("Reject me.")));
        Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        using var error = JsonDocument.Parse(rejectedBody);
        Assert.Equal("content_filter", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        await gw.Metrics.WaitForAsync("aoai.cache.stores", "status", 1);

        // And the gateway's own error bodies too.
        await gw.Simulator.AddFaultAsync("429", count: 10, retryAfterMs: 60_000);
        var (limited, limitedBody, _) = await PostAsync(gw.Http, ChatPath(), ChatJson(Unique("Too many.")));
        Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        using var limitedError = JsonDocument.Parse(limitedBody);
        Assert.True(limitedError.RootElement.TryGetProperty("error", out _));
    }

    [Fact]
    public async Task Embeddings_AreCached()
    {
        await using var gw = await StartAsync(cosmos.Server.ConnectionString);
        var json = $$"""{"input":["{{Unique("embed me")}}"]}""";

        var (first, firstBody, _) = await PostAsync(gw.Http, EmbeddingsPath, json);
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(CacheStatus.Miss, CacheHeader(first));
        await gw.Metrics.WaitForAsync("aoai.cache.stores", "stored", 1);
        var (second, secondBody, _) = await PostAsync(gw.Http, EmbeddingsPath, json);

        Assert.Equal(CacheStatus.Hit, CacheHeader(second));
        Assert.Equal(firstBody, secondBody);
        Assert.Equal(1, await gw.Simulator.RequestsAsync(Embeddings));
    }

    [Fact]
    public async Task WithTheCacheTurnedOff_NothingIsLookedUpOrStored()
    {
        await using var gw = await StartAsync(cosmos.Server.ConnectionString, ["--Gateway:Cache:Enabled=false"], waitForStore: false);
        var json = ChatJson(Unique("Off."));

        var (first, _, _) = await PostAsync(gw.Http, ChatPath(), json);
        var (second, _, _) = await PostAsync(gw.Http, ChatPath(), json);

        Assert.Null(CacheHeader(first));
        Assert.Null(CacheHeader(second));
        Assert.Equal(2, await gw.Simulator.RequestsAsync(Chat));
    }

    [Fact]
    public async Task AnInvalidCacheSetting_FailsTheStart_NamingTheKey()
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() =>
            StartAsync(cosmos.Server.ConnectionString, ["--Gateway:Cache:LookupTimeoutMs=0"], waitForStore: false));
        Assert.Contains("Gateway:Cache:LookupTimeoutMs", ex.ToString());
    }
}
