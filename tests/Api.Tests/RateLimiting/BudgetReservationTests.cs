using AspireAoai.Api.Budgets;
using AspireAoai.Api.RateLimiting;
using AspireAoai.Api.Usage;
using AspireAoai.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace AspireAoai.Api.Tests.RateLimiting;

/// <summary>
/// The reservation arithmetic of the admission script against a real redis-server, with the script's clock override:
/// what a dead replica leaves behind, and the UTC day and month rollover with reservations in flight.
/// </summary>
public sealed class BudgetReservationTests : IClassFixture<RedisFixture>
{
    private const long Cost = 8_000_000_000; // $0.008: a 2,000-token gpt-4o prompt with max_tokens 300

    private readonly RedisFixture _redis;

    public BudgetReservationTests(RedisFixture redis) => _redis = redis;

    [Fact]
    public async Task ReservationsOfAReplicaThatDied_StopHoldingTheBudget_WithinTheReservationTimeoutPlusOneBucket()
    {
        var timeout = TimeSpan.FromSeconds(60);
        await using var dead = await LimiterKit.StartAsync(_redis.Server, o => o.Leases = false, timeout);
        await using var alive = await LimiterKit.StartAsync(_redis.Server, o => o.Leases = false, timeout);
        var id = "dead-" + Guid.NewGuid().ToString("N")[..8];
        var now = 1_800_000_000_000L;
        dead.Limiter.ClockOverride = () => now;
        alive.Limiter.ClockOverride = () => now;

        // The replica that will die admits two requests and never settles them: $0.016 of $0.02 held.
        var client = dead.ClientWithBudget(id, tpm: 0, dailyUsd: 0.02m);
        Assert.True((await dead.Limiter.AcquireAsync(client, [], 100, Cost)).Admitted);
        Assert.True((await dead.Limiter.AcquireAsync(client, [], 100, Cost)).Admitted);

        var survivor = alive.ClientWithBudget(id, tpm: 0, dailyUsd: 0.02m);
        var refused = await alive.Limiter.AcquireAsync(survivor, [], 100, Cost);
        Assert.Equal(SlidingWindowScript.ReasonBudgetDay, refused.Reason);
        Assert.Equal(2 * Cost, refused.Budget!.ClientReserved);

        // Still held just before the timeout...
        now += (long)timeout.TotalMilliseconds - 1;
        Assert.False((await alive.Limiter.AcquireAsync(survivor, [], 100, Cost)).Admitted);

        // ...and released at the latest one reservation bucket after it.
        now += 1 + AspireAoai.Api.Budgets.BudgetOptions.ReservationBucketMs;
        var admitted = await alive.Limiter.AcquireAsync(survivor, [], 100, Cost);
        Assert.True(admitted.Admitted);
        Assert.Equal(Cost, admitted.Budget!.ClientReserved);
    }

    [Fact]
    public async Task DayAndMonthRollover_AtUtcMidnight_ReservationsInFlightCountAgainstTheNewPeriodUntilSettled()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 23, 59, 50, TimeSpan.Zero));
        await using var kit = await LimiterKit.StartAsync(_redis.Server, o => o.Leases = false, time: clock);
        kit.Limiter.ClockOverride = () => clock.GetUtcNow().ToUnixTimeMilliseconds();
        var id = "midnight-" + Guid.NewGuid().ToString("N")[..8];
        var db = kit.Multiplexer.GetDatabase();
        var client = kit.ClientWithBudget(id, tpm: 0, dailyUsd: 0.02m, monthlyUsd: 0.5m);
        var november = new DateTime(2026, 11, 30, 12, 0, 0, DateTimeKind.Utc);
        await db.StringSetAsync(SpendKeys.Day(id, november), 10_000_000_000);   // $0.01 spent on the last day
        await db.StringSetAsync(SpendKeys.Month(id, november), 490_000_000_000); // $0.49 spent in November

        // November: $0.01 left of the month, so one worst case of $0.008 fits and a second does not (the month is tighter).
        var inFlight = await kit.Limiter.AcquireAsync(client, [], 100, Cost);
        Assert.True(inFlight.Admitted);
        Assert.Equal(SlidingWindowScript.ReasonBudgetMonth, (await kit.Limiter.AcquireAsync(client, [], 100, Cost)).Reason);

        // Midnight, 1 December: fresh counters, but the request still in flight may be charged to either day: its
        // reservation counts against the new day too. $0.02 - $0.008 in flight leaves room for exactly one more.
        clock.Advance(TimeSpan.FromSeconds(20));
        var december = await kit.Limiter.AcquireAsync(client, [], 100, Cost);
        Assert.True(december.Admitted);
        Assert.Equal(0, december.DaySpend); // the new day's counter, empty
        Assert.Equal(2 * Cost, december.Budget!.ClientReserved);
        var full = await kit.Limiter.AcquireAsync(client, [], 100, Cost);
        Assert.Equal(SlidingWindowScript.ReasonBudgetDay, full.Reason);

        // The November request settles (released through the flush, as when no usage is written): room again.
        kit.Limiter.Release(new Reservation(client.Budget!.ReservationKey, null, inFlight.Budget!.ReservationBucket, Cost));
        Assert.Equal(1, await kit.Limiter.FlushAsync());
        var after = await kit.Limiter.AcquireAsync(client, [], 100, Cost);
        Assert.True(after.Admitted);
        Assert.Equal(2 * Cost, after.Budget!.ClientReserved);
    }

    [Fact]
    public async Task AWorstCaseLargerThanWhatIsLeft_IsRefused_EvenThoughNothingIsInFlight()
    {
        await using var kit = await LimiterKit.StartAsync(_redis.Server, o => o.Leases = false);
        var id = "worst-" + Guid.NewGuid().ToString("N")[..8];
        var client = kit.ClientWithBudget(id, tpm: 0, dailyUsd: 0.02m);
        await kit.Multiplexer.GetDatabase().StringSetAsync(SpendKeys.Day(id, DateTime.UtcNow), 20_000_000_000 - Cost + 1);

        var refused = await kit.Limiter.AcquireAsync(client, [], 100, Cost);
        Assert.Equal(SlidingWindowScript.ReasonBudgetDay, refused.Reason);
        Assert.Equal(0, refused.Budget!.ClientReserved);
        Assert.True((await kit.Limiter.AcquireAsync(client, [], 100, Cost - 1)).Admitted); // exactly what is left fits
    }
}
