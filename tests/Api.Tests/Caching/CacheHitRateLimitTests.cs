using System.Globalization;
using System.Net;
using AspireAoai.Api.Caching;
using AspireAoai.TestSupport;
using StackExchange.Redis;
using static AspireAoai.Api.Tests.Caching.CachedGateway;

namespace AspireAoai.Api.Tests.Caching;

/// <summary>
/// A response-cache hit uses no upstream tokens: it is charged 0 tokens against the client's TPM (so a client with a
/// small TPM gets many hits), while its request still counts against the RPM. Hits and misses carry the request ids.
/// </summary>
public sealed class CacheHitRateLimitTests(RedisAndCosmosFixture servers) : IClassFixture<RedisAndCosmosFixture>
{
    private const int Hits = 20;

    [Fact]
    public async Task CacheHits_ChargeNoTokens_ButCountAsRequests()
    {
        // About 40 tokens estimated per request (the prompt plus max_tokens 16): 20 hits at their estimate would be 800.
        await using var gw = await StartAsync(servers.Cosmos.ConnectionString,
        [
            $"--ConnectionStrings:redis={servers.Redis.ConnectionString}",
            "--Gateway:Clients:0:Tpm=300",
            "--Gateway:Clients:0:Rpm=1000",
            "--Gateway:RateLimits:Leases=false", // every admission is counted in Redis, so the remaining counts are exact
        ]);
        await gw.Gateway.WithRateLimiterConnectedAsync();
        var json = ChatJson($"Cached answers cost no tokens {Guid.NewGuid():N}");

        var (miss, _, _) = await PostAsync(gw.Http, ChatPath(), json);
        Assert.Equal(HttpStatusCode.OK, miss.StatusCode);
        Assert.Equal(CacheStatus.Miss, CacheHeader(miss));
        await gw.Metrics.WaitForAsync("aoai.cache.stores", "stored", 1);

        for (var i = 0; i < Hits; i++)
        {
            // Refunds reach Redis with the limiter's next flush (AdjustmentFlusher.Interval, 50 ms), as every reconciliation does.
            await Task.Delay(AspireAoai.Api.RateLimiting.AdjustmentFlusher.Interval * 2);
            var (hit, _, _) = await PostAsync(gw.Http, ChatPath(), json);
            Assert.True(hit.StatusCode == HttpStatusCode.OK && CacheHeader(hit) == CacheStatus.Hit,
                $"request {i + 2}: {(int)hit.StatusCode} {CacheHeader(hit)}; misses: " + string.Join(", ",
                    new[] { "not_found", "expired", "no_usage", "unavailable", "timeout", "error" }.Select(r => $"{r}={gw.Metrics.Count("aoai.cache.misses", r)}")));
            Assert.Equal(hit.Headers.GetValues("x-aoai-request-id").Single(), hit.Headers.GetValues("x-request-id").Single());
            Assert.Equal(hit.Headers.GetValues("x-aoai-request-id").Single(), hit.Headers.GetValues("apim-request-id").Single());
            Assert.True(int.TryParse(hit.Headers.GetValues("x-ratelimit-remaining-requests").Single(), CultureInfo.InvariantCulture, out _));
        }

        // Every hit counts against the RPM: the client's request total in Redis (the admission script's running `rt`) is
        // the miss plus every hit. Read there rather than from each answer's header, which a replica may have to fill in
        // from its local window while a loaded Redis is slow to answer.
        using var redis = await ConnectionMultiplexer.ConnectAsync(servers.Redis.ConnectionString);
        Assert.Equal(Hits + 1, (long)await redis.GetDatabase().HashGetAsync("aoai:rl:client:test", "rt"));

        Assert.Equal(1, await gw.Simulator.RequestsAsync(Chat));
    }
}
