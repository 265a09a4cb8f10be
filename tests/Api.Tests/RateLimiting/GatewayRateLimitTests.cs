using System.Net;
using System.Text.Json;
using AspireAoai.Api.RateLimiting;
using AspireAoai.Api.Tests.Infrastructure;
using AspireAoai.TestSupport;
using StackExchange.Redis;

namespace AspireAoai.Api.Tests.RateLimiting;

/// <summary>Rate limits through the whole gateway (GatewayApp in-process) with the simulator upstream and a real Redis.</summary>
public sealed class GatewayRateLimitTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private SimulatorHost _sim = null!;
    private ConnectionMultiplexer _mux = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _sim = await SimulatorHost.StartAsync("eastus");
        _mux = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString + "");
    }

    public async Task DisposeAsync()
    {
        await _mux.DisposeAsync();
        await _sim.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private async Task<GatewayHost> StartGatewayAsync(params string[] args)
    {
        var gateway = await GatewayHost.StartAsync(
            [new DeploymentSpec("eastus-gpt-4o", _sim.BaseAddress)],
            [$"--ConnectionStrings:redis={_redis.ConnectionString}", "--Gateway:RateLimits:RedisTimeout=00:00:02", .. args]);

        return await gateway.WithRateLimiterConnectedAsync();
    }

    [Fact]
    public async Task Admitted_CarriesTheClientsLimitHeaders_AndRefused_Gets429WithRetryAfterAfterWhichItSucceeds()
    {
        await using var gateway = await StartGatewayAsync("--Gateway:Clients:0:Tpm=300", "--Gateway:Clients:0:Rpm=50");
        var limiter = gateway.Services.GetRequiredService<ClientLimiter>();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000 * 1000;
        limiter.ClockOverride = () => now;
        gateway.Services.GetRequiredService<ClientGates>().ClockOverride = () => now; // the replica remembers the refusal until then

        using var ok = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody(maxTokens: 100));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("300", ok.Headers.GetValues("x-ratelimit-limit-tokens").Single());
        Assert.Equal("50", ok.Headers.GetValues("x-ratelimit-limit-requests").Single());
        Assert.Equal("49", ok.Headers.GetValues("x-ratelimit-remaining-requests").Single());
        var remaining = long.Parse(ok.Headers.GetValues("x-ratelimit-remaining-tokens").Single());
        Assert.InRange(remaining, 150, 200);

        // Reconciliation refunds what a request did not use, so how many more fit depends on the answers: send until refused.
        HttpResponseMessage? status = null;
        for (var i = 0; i < 50 && status is null; i++)
        {
            var next = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody(maxTokens: 100));
            if (next.StatusCode == HttpStatusCode.TooManyRequests)
            {
                status = next;
            }
            else
            {
                Assert.Equal(HttpStatusCode.OK, next.StatusCode);
                next.Dispose();
            }
        }

        Assert.NotNull(status);
        using var error = JsonDocument.Parse(await status.Content.ReadAsStringAsync());
        Assert.Equal("rate_limit_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal("rate_limit_exceeded", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        var retryMs = long.Parse(status.Headers.GetValues("retry-after-ms").Single());
        var retrySeconds = long.Parse(status.Headers.GetValues("retry-after").Single());
        Assert.InRange(retryMs, 1, 61_000);
        Assert.Equal((long)Math.Ceiling(retryMs / 1000.0), retrySeconds);
        Assert.NotNull(status.Headers.GetValues("x-ratelimit-remaining-tokens").Single());

        status.Dispose();
        now += retryMs;
        using var retried = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody(maxTokens: 100));
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
    }

    [Fact]
    public async Task ARefusalForTheRequestsSize_IsNotRemembered_ASmallerRequestThatFitsIsAdmittedAtOnce()
    {
        await using var gateway = await StartGatewayAsync("--Gateway:Clients:0:Tpm=300", "--Gateway:RateLimits:Leases=false");
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000 * 1000;
        gateway.Services.GetRequiredService<ClientLimiter>().ClockOverride = () => now;
        gateway.Services.GetRequiredService<ClientGates>().ClockOverride = () => now;

        using (var first = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody(maxTokens: 150)))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        }

        // 150 more tokens of completion no longer fit the window, whatever the first answer used...
        using (var large = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody(maxTokens: 250)))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, large.StatusCode);
        }

        // ...but a small request does, in the same instant: a TPM refusal says nothing about the next request's size.
        using var small = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody(maxTokens: 8));
        Assert.Equal(HttpStatusCode.OK, small.StatusCode);
    }

    [Fact]
    public async Task AClientRefusedForItsLimit_IsRefusedBeforeItsBodyIsRead_EvenAMalformedOne_UntilTheRetryTime()
    {
        await using var gateway = await StartGatewayAsync("--Gateway:Clients:0:Rpm=1", "--Gateway:RateLimits:Leases=false");
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        gateway.Services.GetRequiredService<ClientGates>().ClockOverride = () => now;
        using (var ok = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody()))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        long retryMs;
        using (var refused = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody()))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            retryMs = long.Parse(refused.Headers.GetValues("retry-after-ms").Single());
        }

        // Refused again before the body is read (so with no admission call either): a malformed body gets the 429, not a 400.
        now += retryMs / 2;
        using (var early = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.Json("{\"model\":\"gpt-4o\",\"messages\":[")))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, early.StatusCode);
            using var error = JsonDocument.Parse(await early.Content.ReadAsStringAsync());
            Assert.Equal("rate_limit_exceeded", error.RootElement.GetProperty("error").GetProperty("code").GetString());
            Assert.Contains("requests per minute", error.RootElement.GetProperty("error").GetProperty("message").GetString());
            var left = long.Parse(early.Headers.GetValues("retry-after-ms").Single());
            Assert.InRange(left, 1, retryMs - (retryMs / 2));
        }

        // Once the retry time has passed the body is read and parsed again.
        now += retryMs;
        using var parsed = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.Json("{\"model\":\"gpt-4o\",\"messages\":["));
        Assert.Equal(HttpStatusCode.BadRequest, parsed.StatusCode);
    }

    [Fact]
    public async Task ARequestLargerThanTheWholeLimit_Gets400ThatSaysSo()
    {
        await using var gateway = await StartGatewayAsync("--Gateway:Clients:0:Tpm=1000");
        using var response = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody(maxTokens: 5000));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("tokens_exceed_rate_limit", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("can never be admitted", error.RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Charge_IsReconciledToTheActualUsage(bool stream)
    {
        await using var gateway = await StartGatewayAsync("--Gateway:Clients:0:Tpm=100000");
        using var response = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody(stream: stream, maxTokens: 2000));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        var total = TotalTokens(body, stream);
        Assert.InRange(total, 1, 1999);

        // The estimate (prompt + 2000) was charged; the refund lands within the flusher's interval.
        var db = _mux.GetDatabase();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        long charged;
        do
        {
            await Task.Delay(100);
            charged = (long)await db.HashGetAsync("aoai:rl:client:test", "tt");
        }
        while (charged != total && DateTime.UtcNow < deadline);

        Assert.Equal(total, charged);
    }

    private static long TotalTokens(string body, bool stream)
    {
        if (!stream)
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.GetProperty("usage").GetProperty("total_tokens").GetInt64();
        }

        foreach (var line in body.Split('\n'))
        {
            if (line.StartsWith("data: {", StringComparison.Ordinal))
            {
                using var chunk = JsonDocument.Parse(line[6..]);
                if (chunk.RootElement.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
                {
                    return usage.GetProperty("total_tokens").GetInt64();
                }
            }
        }

        throw new InvalidOperationException("The stream carried no usage chunk.");
    }
}
