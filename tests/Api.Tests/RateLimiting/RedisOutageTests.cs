using System.Diagnostics;
using AspireAoai.Api.RateLimiting;
using AspireAoai.TestSupport;

namespace AspireAoai.Api.Tests.RateLimiting;

/// <summary>What the limiter does when Redis goes away and comes back (a real redis-server, stopped and restarted).</summary>
public sealed class RedisOutageTests
{
    private static readonly DeploymentLimits[] NoDeployments = [];

    [Fact]
    public async Task FailOpen_UsesTheLocalShareWithoutWaiting_AndReturnsToRedisWhenItRestarts()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var kit = await LimiterKit.StartAsync(redis, o =>
        {
            o.FallbackReplicas = 2;
            o.RedisTimeout = TimeSpan.FromMilliseconds(250);
            o.RedisRetryInterval = TimeSpan.FromMilliseconds(300);
        });
        var client = kit.Client("outage-" + Guid.NewGuid().ToString("N")[..8], tpm: 1000);
        Assert.Equal(LimitSource.Redis, (await kit.Limiter.AcquireAsync(client, NoDeployments, 10)).Source);

        await redis.StopAsync();
        var watch = Stopwatch.StartNew();
        var local = new List<LimitResult>();
        for (var i = 0; i < 20; i++)
        {
            local.Add(await kit.Limiter.AcquireAsync(client, NoDeployments, 100));
        }

        // No call hangs: at most one waits for the timeout, the rest skip Redis while the breaker is open.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"took {watch.Elapsed}");
        Assert.All(local, r => Assert.Equal(LimitSource.Local, r.Source));
        // Half of 1000 TPM per replica while Redis is away.
        Assert.Equal(5, local.Count(r => r.Admitted));
        Assert.True(local.Last().RetryAfterMs > 0);

        await redis.RestartAsync();
        var deadline = DateTime.UtcNow.AddSeconds(20);
        LimitResult back;
        do
        {
            await Task.Delay(100);
            back = await kit.Limiter.AcquireAsync(client, NoDeployments, 100);
        }
        while (back.Source != LimitSource.Redis && DateTime.UtcNow < deadline);

        Assert.Equal(LimitSource.Redis, back.Source);
        Assert.True(back.Admitted);
    }

    [Fact]
    public async Task FailClosed_RefusesAsUnavailable_WithoutWaitingForRedis()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var kit = await LimiterKit.StartAsync(redis, o =>
        {
            o.FailureMode = RedisFailureMode.FailClosed;
            o.RedisTimeout = TimeSpan.FromMilliseconds(250);
        });
        var client = kit.Client("closed-" + Guid.NewGuid().ToString("N")[..8], tpm: 1000);
        Assert.True((await kit.Limiter.AcquireAsync(client, NoDeployments, 10)).Admitted);

        redis.Kill();
        var watch = Stopwatch.StartNew();
        var result = await kit.Limiter.AcquireAsync(client, NoDeployments, 10);
        Assert.False(result.Admitted);
        Assert.Equal(LimitSource.Unavailable, result.Source);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"took {watch.Elapsed}");
    }
}
