using System.Globalization;
using System.Net;
using System.Text.Json;
using AspireAoai.Accounting.Pricing;
using AspireAoai.Api.Caching;
using AspireAoai.Api.Usage;
using AspireAoai.TestSupport;
using static AspireAoai.Api.Tests.Caching.CachedGateway;

namespace AspireAoai.Api.Tests.Usage;

/// <summary>Cost headers of cache hits, and the cache still storing streams whose usage chunk the gateway hid.</summary>
public sealed class CacheHitCostTests(CosmosFixture cosmos) : IClassFixture<CosmosFixture>
{
    [Fact]
    public async Task AHit_CostsZero_AndSaysWhatItSaved()
    {
        await using var gw = await StartAsync(cosmos.Server.ConnectionString);
        var json = ChatJson($"What does a hit save? {Guid.NewGuid():N}");

        var (miss, missBody, _) = await PostAsync(gw.Http, ChatPath(), json);
        Assert.Equal(CacheStatus.Miss, CacheHeader(miss));
        using var answer = JsonDocument.Parse(missBody);
        var usage = answer.RootElement.GetProperty("usage");
        var table = gw.Gateway.Services.GetRequiredService<IPriceTable>();
        Assert.True(table.TryGetPrice(Chat, DateTimeOffset.UtcNow, out _, out var price));
        var cost = CostCalculator.Calculate(price, usage.GetProperty("prompt_tokens").GetInt64(), 0, usage.GetProperty("completion_tokens").GetInt64());
        Assert.Equal(cost, decimal.Parse(miss.Headers.GetValues(CostHeaders.Cost).Single(), CultureInfo.InvariantCulture));
        await gw.Metrics.WaitForAsync("aoai.cache.stores", "stored", 1);

        var (hit, _, _) = await PostAsync(gw.Http, ChatPath(), json);
        Assert.Equal(CacheStatus.Hit, CacheHeader(hit));
        Assert.Equal("0", hit.Headers.GetValues(CostHeaders.Cost).Single());
        Assert.Equal(cost, decimal.Parse(hit.Headers.GetValues(CostHeaders.Saved).Single(), CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task AStreamWhoseUsageChunkWasHidden_IsStillStored_AndReplayedWithoutUsage()
    {
        await using var gw = await StartAsync(cosmos.Server.ConnectionString);
        var json = ChatJson($"Stream me once {Guid.NewGuid():N}", stream: true, includeUsage: false);

        var (miss, missBody, _) = await PostAsync(gw.Http, ChatPath(), json);
        Assert.Equal(HttpStatusCode.OK, miss.StatusCode);
        Assert.Equal(CacheStatus.Miss, CacheHeader(miss));
        Assert.DoesNotContain("\"choices\":[],\"usage\":{", System.Text.Encoding.UTF8.GetString(missBody), StringComparison.Ordinal);
        await gw.Metrics.WaitForAsync("aoai.cache.stores", "stored", 1);

        var (hit, hitBody, _) = await PostAsync(gw.Http, ChatPath(), json);
        Assert.Equal(CacheStatus.Hit, CacheHeader(hit));
        var replay = System.Text.Encoding.UTF8.GetString(hitBody);
        Assert.EndsWith("data: [DONE]\n\n", replay, StringComparison.Ordinal);
        Assert.DoesNotContain("\"usage\":{", replay, StringComparison.Ordinal);
        Assert.Equal(1, await gw.Simulator.RequestsAsync(Chat));
    }
}
