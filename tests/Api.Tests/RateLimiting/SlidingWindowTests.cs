using AspireAoai.Api.RateLimiting;
using AspireAoai.TestSupport;
using StackExchange.Redis;

namespace AspireAoai.Api.Tests.RateLimiting;

/// <summary>Window arithmetic of the Lua script against a real Redis, with the script's fake-clock argument.</summary>
public sealed class SlidingWindowTests : IClassFixture<RedisFixture>
{
    // 2024-05-01T00:00:10Z: a whole second, so bucket arithmetic in the assertions stays readable.
    private const long T0 = 1_714_521_610_000;

    private readonly RedisFixture _redis;

    public SlidingWindowTests(RedisFixture redis) => _redis = redis;

    private static readonly DeploymentLimits[] NoDeployments = [];

    /// <summary>
    /// A limiter without leases: these tests move Redis's clock by hand, while a lease expires by the replica's own
    /// clock (LeaseTests covers leases, in real time).
    /// </summary>
    private Task<LimiterKit> StartKitAsync(Action<RateLimitOptions>? configure = null)
        => LimiterKit.StartAsync(_redis.Server, o =>
        {
            o.Leases = false;
            configure?.Invoke(o);
        });

    [Fact]
    public async Task Tpm_AdmitsUpToTheLimit_ThenRefusesWithTheTimeTheRequestWouldFit()
    {
        await using var kit = await StartKitAsync();
        var now = T0;
        kit.Limiter.ClockOverride = () => now;
        var client = kit.Client(Unique(), tpm: 1000);

        Assert.True((await kit.Limiter.AcquireAsync(client, NoDeployments, 600)).Admitted);
        now += 10_000;
        var second = await kit.Limiter.AcquireAsync(client, NoDeployments, 400);
        Assert.True(second.Admitted);
        Assert.Equal(1000, second.Tokens);

        now += 5_000;
        var refused = await kit.Limiter.AcquireAsync(client, NoDeployments, 1);
        Assert.False(refused.Admitted);
        Assert.Equal(SlidingWindowScript.ReasonTpm, refused.Reason);
        // The 600 tokens charged at T0 leave when the window no longer reaches T0's bucket: T0 + 61 s (60 s + one bucket).
        Assert.Equal(T0 + 61_000 - now, refused.RetryAfterMs);

        now = T0 + 61_000 - 1;
        Assert.False((await kit.Limiter.AcquireAsync(client, NoDeployments, 1)).Admitted);
        now = T0 + 61_000;
        var after = await kit.Limiter.AcquireAsync(client, NoDeployments, 600);
        Assert.True(after.Admitted);
        Assert.Equal(1000, after.Tokens);
    }

    [Fact]
    public async Task Window_NeverHoldsTwiceTheLimitAcrossAMinuteBoundary()
    {
        await using var kit = await StartKitAsync();
        var now = T0 + 59_900;
        kit.Limiter.ClockOverride = () => now;
        var client = kit.Client(Unique(), tpm: 1000);

        Assert.True((await kit.Limiter.AcquireAsync(client, NoDeployments, 1000)).Admitted);
        // A fixed one-minute window would reset at T0 + 60 s and admit another 1000 within 200 ms.
        for (var t = T0 + 60_000; t < T0 + 60_000 + 60_000; t += 7_000)
        {
            now = t;
            Assert.False((await kit.Limiter.AcquireAsync(client, NoDeployments, 1)).Admitted);
        }
    }

    [Fact]
    public async Task EveryRealSixtySecondInterval_HoldsAtMostTheLimit_UnderAnUnevenStream()
    {
        await using var kit = await StartKitAsync(o => o.BucketMilliseconds = 500);
        var now = T0;
        kit.Limiter.ClockOverride = () => now;
        var client = kit.Client(Unique(), tpm: 5000);
        var admitted = new List<(long At, long Tokens)>();
        var random = new Random(7);
        for (var i = 0; i < 3000; i++)
        {
            now += random.Next(0, 120);
            var tokens = random.Next(1, 200);
            if ((await kit.Limiter.AcquireAsync(client, NoDeployments, tokens)).Admitted)
            {
                admitted.Add((now, tokens));
            }
        }

        // Slide a 60 s interval over every admission: the exact property the limit promises.
        var max = 0L;
        for (var i = 0; i < admitted.Count; i++)
        {
            long sum = 0;
            for (var j = i; j < admitted.Count && admitted[j].At < admitted[i].At + 60_000; j++)
            {
                sum += admitted[j].Tokens;
            }

            max = Math.Max(max, sum);
        }

        Assert.InRange(max, 4800, 5000);
    }

    [Fact]
    public async Task Rpm_CountsRequests_AndRefusesTheOneOverTheLimit()
    {
        await using var kit = await StartKitAsync();
        var now = T0 + 500;
        kit.Limiter.ClockOverride = () => now;
        var client = kit.Client(Unique(), rpm: 3);
        for (var i = 0; i < 3; i++)
        {
            Assert.True((await kit.Limiter.AcquireAsync(client, NoDeployments, 10)).Admitted);
        }

        var refused = await kit.Limiter.AcquireAsync(client, NoDeployments, 10);
        Assert.Equal(SlidingWindowScript.ReasonRpm, refused.Reason);
        Assert.Equal(3, refused.Requests);
        Assert.Equal(T0 + 61_000 - now, refused.RetryAfterMs);
    }

    [Fact]
    public async Task ARequestLargerThanTheWholeLimit_IsTooLarge_NotRetryable()
    {
        await using var kit = await StartKitAsync();
        var client = kit.Client(Unique(), tpm: 1000);
        var result = await kit.Limiter.AcquireAsync(client, NoDeployments, 1001);
        Assert.False(result.Admitted);
        Assert.True(result.TooLarge);
        Assert.Equal(0, result.RetryAfterMs);
    }

    [Fact]
    public async Task Reconcile_RefundsTheUnusedEstimate_IntoTheBucketItWasChargedTo()
    {
        await using var kit = await StartKitAsync();
        var now = T0;
        kit.Limiter.ClockOverride = () => now;
        var client = kit.Client(Unique(), tpm: 1000);
        var first = await kit.Limiter.AcquireAsync(client, NoDeployments, 1000);
        Assert.True(first.Admitted);
        Assert.False((await kit.Limiter.AcquireAsync(client, NoDeployments, 880)).Admitted);

        kit.Limiter.Reconcile(client, first, charged: 1000, actual: 120);
        Assert.Equal(1, kit.Limiter.Pending.Count);
        now += 2_000;
        Assert.Equal(1, await kit.Limiter.FlushAsync());
        Assert.Equal(0, kit.Limiter.Pending.Count);
        var second = await kit.Limiter.AcquireAsync(client, NoDeployments, 880);
        Assert.True(second.Admitted);
        Assert.Equal(1000, second.Tokens);

        // The refund went to the bucket of the first request: it leaves the window with it.
        var db = kit.Multiplexer.GetDatabase();
        Assert.Equal(120, (long)await db.HashGetAsync(client.Key, "t" + (T0 / 1000)));
    }

    [Fact]
    public async Task Flush_MergesTheChargesOfOneBucket_AndKeepsBucketsApart()
    {
        await using var kit = await StartKitAsync();
        var now = T0;
        kit.Limiter.ClockOverride = () => now;
        var client = kit.Client(Unique(), tpm: 1_000_000);
        var deployment = LimiterKit.Deployment(Unique(), tpm: 1_000_000, rpm: 1000);
        var early = await kit.Limiter.AcquireAsync(client, [deployment], 10);
        now += 1_500;
        var late = await kit.Limiter.AcquireAsync(client, [deployment], 10);
        for (var i = 0; i < 5; i++)
        {
            kit.Limiter.ChargeDeployment(deployment, early, 100);
        }

        kit.Limiter.ChargeDeployment(deployment, late, 7);
        Assert.Equal(6, await kit.Limiter.FlushAsync());

        var db = kit.Multiplexer.GetDatabase();
        Assert.Equal(500, (long)await db.HashGetAsync(deployment.Key, "t" + (T0 / 1000)));
        Assert.Equal(5, (long)await db.HashGetAsync(deployment.Key, "r" + (T0 / 1000)));
        Assert.Equal(7, (long)await db.HashGetAsync(deployment.Key, "t" + ((T0 + 1_500) / 1000)));
        Assert.Equal(507, (long)await db.HashGetAsync(deployment.Key, "tt"));
        Assert.Equal(6, (long)await db.HashGetAsync(deployment.Key, "rt"));
        await kit.Limiter.AcquireAsync(client, [deployment], 10);
        Assert.Equal(6, deployment.Requests);
    }

    [Fact]
    public async Task Reconcile_ChargesAnOverrun_AndFlushWritesItWhenNoAdmissionCarriesIt()
    {
        await using var kit = await StartKitAsync();
        var now = T0;
        kit.Limiter.ClockOverride = () => now;
        var client = kit.Client(Unique(), tpm: 1000);
        var first = await kit.Limiter.AcquireAsync(client, NoDeployments, 100);
        kit.Limiter.Reconcile(client, first, charged: 100, actual: 250);

        Assert.Equal(1, await kit.Limiter.FlushAsync());
        var db = kit.Multiplexer.GetDatabase();
        Assert.Equal(250, (long)await db.HashGetAsync(client.Key, "tt"));
        Assert.False((await kit.Limiter.AcquireAsync(client, NoDeployments, 751)).Admitted);
    }

    [Fact]
    public async Task DayQuota_RefusesUntilMidnightUtc()
    {
        await using var kit = await StartKitAsync();
        var midnight = new DateTimeOffset(2024, 5, 2, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        var now = midnight - 3_600_000;
        kit.Limiter.ClockOverride = () => now;
        var client = kit.Client(Unique(), day: 500);
        Assert.True((await kit.Limiter.AcquireAsync(client, NoDeployments, 400)).Admitted);
        now += 120_000;
        var refused = await kit.Limiter.AcquireAsync(client, NoDeployments, 200);
        Assert.Equal(SlidingWindowScript.ReasonDay, refused.Reason);
        Assert.Equal(midnight - now, refused.RetryAfterMs);

        now = midnight;
        Assert.True((await kit.Limiter.AcquireAsync(client, NoDeployments, 500)).Admitted);
    }

    [Theory]
    [InlineData(2024, 1, 31, 2024, 2)]
    [InlineData(2024, 2, 29, 2024, 3)]
    [InlineData(2023, 12, 31, 2024, 1)]
    public async Task MonthQuota_RefusesUntilTheFirstOfNextMonthUtc(int y, int m, int d, int nextY, int nextM)
    {
        await using var kit = await StartKitAsync();
        var now = new DateTimeOffset(y, m, d, 22, 30, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        kit.Limiter.ClockOverride = () => now;
        var client = kit.Client(Unique(), month: 1000);
        Assert.True((await kit.Limiter.AcquireAsync(client, NoDeployments, 1000)).Admitted);
        var refused = await kit.Limiter.AcquireAsync(client, NoDeployments, 1);
        Assert.Equal(SlidingWindowScript.ReasonMonth, refused.Reason);
        Assert.Equal(new DateTimeOffset(nextY, nextM, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() - now, refused.RetryAfterMs);
    }

    [Fact]
    public async Task DeploymentCapacity_RefusesWhenNoDeploymentHasRoom_AndReportsTheirWindows()
    {
        await using var kit = await StartKitAsync();
        var now = T0;
        kit.Limiter.ClockOverride = () => now;
        var client = kit.Client(Unique(), tpm: 100_000);
        var a = LimiterKit.Deployment(Unique(), tpm: 1000);
        var b = LimiterKit.Deployment(Unique(), tpm: 500);
        DeploymentLimits[] pool = [a, b];

        var first = await kit.Limiter.AcquireAsync(client, pool, 900);
        Assert.True(first.Admitted);
        kit.Limiter.ChargeDeployment(a, first, 900);
        var second = await kit.Limiter.AcquireAsync(client, pool, 400);
        Assert.True(second.Admitted);
        kit.Limiter.ChargeDeployment(b, second, 400);
        now += 1_000;

        // Once the flusher wrote the deployment charges, there is room nowhere for 200 tokens.
        Assert.Equal(2, await kit.Limiter.FlushAsync());
        var refused = await kit.Limiter.AcquireAsync(client, pool, 200);
        Assert.Equal(SlidingWindowScript.ReasonCapacity, refused.Reason);
        Assert.Equal(T0 + 61_000 - now, refused.RetryAfterMs);
        Assert.Equal(900, a.Tokens);
        Assert.Equal(400, b.Tokens);
        Assert.False(a.HasRoom(200, now));
        Assert.True(b.HasRoom(100, now));

        var tooLarge = await kit.Limiter.AcquireAsync(client, pool, 1001);
        Assert.Equal(SlidingWindowScript.ReasonTooLargeCapacity, tooLarge.Reason);
    }

    [Fact]
    public async Task ScriptCacheFlushed_ReloadsOnNoScript_AndAdmits()
    {
        await using var kit = await StartKitAsync();
        var client = kit.Client(Unique(), tpm: 1000);
        Assert.Equal(LimitSource.Redis, (await kit.Limiter.AcquireAsync(client, NoDeployments, 1)).Source);
        var server = kit.Multiplexer.GetServer(kit.Multiplexer.GetEndPoints()[0]);
        await server.ExecuteAsync("SCRIPT", "FLUSH");

        var result = await kit.Limiter.AcquireAsync(client, NoDeployments, 1);
        Assert.Equal(LimitSource.Redis, result.Source);
        Assert.Equal(2, result.Tokens);
    }

    private static string Unique() => Guid.NewGuid().ToString("N")[..12];
}
