using AspireAoai.Accounting.Usage;
using AspireAoai.Api.Budgets;
using AspireAoai.Api.Usage;
using AspireAoai.TestSupport;
using StackExchange.Redis;

namespace AspireAoai.Api.Tests.Usage;

/// <summary>The usage script against a real Redis: chunked calls, summed spend, and retries that change nothing.</summary>
public sealed class UsageAppendScriptTests : IClassFixture<RedisFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset Noon = new(2026, 3, 31, 12, 0, 0, TimeSpan.Zero);

    private readonly RedisFixture _redis;
    private ConnectionMultiplexer _mux = null!;

    public UsageAppendScriptTests(RedisFixture redis) => _redis = redis;

    public async Task InitializeAsync() => _mux = await ConnectionMultiplexer.ConnectAsync(_redis.Server.ConnectionString);

    public async Task DisposeAsync() => await _mux.DisposeAsync();

    [Fact]
    public async Task ABatchRetriedWholeAfterPartOfItLanded_AppendsEveryEventOnce_AndChargesOnce()
    {
        var db = _mux.GetDatabase();
        await db.KeyDeleteAsync(UsageStream.Key);
        var client = "c" + Guid.NewGuid().ToString("N")[..8];
        var other = "o" + Guid.NewGuid().ToString("N")[..8];
        // 150 events: three calls (64 + 64 + 22); one unpriced event; two clients; a month boundary is not crossed.
        var batch = new List<PendingUsage>();
        for (var i = 0; i < 150; i++)
        {
            var who = i % 3 == 0 ? other : client;
            decimal? cost = i == 7 ? null : 0.000001234567m * (i + 1);
            batch.Add(new PendingUsage(Event(who, i), cost));
        }

        var calls = UsageAppendScript.Calls(batch, new UsageOptions());
        Assert.Equal([64, 64, 22], calls.Select(c => c.Events));
        var sha = await _mux.GetServer(_mux.GetEndPoints()[0]).ScriptLoadAsync(UsageAppendScript.Source);

        // The first call lands, the reply is "lost"; the writer then retries all three.
        Assert.Equal(64, (int)await db.ScriptEvaluateAsync(sha, calls[0].Keys, calls[0].Args));
        foreach (var call in calls)
        {
            await db.ScriptEvaluateAsync(sha, call.Keys, call.Args);
        }

        foreach (var call in calls)
        {
            Assert.Equal(0, (int)await db.ScriptEvaluateAsync(sha, call.Keys, call.Args));
        }

        // One entry per call (schema version 3), the events in order.
        Assert.Equal(3, await db.StreamLengthAsync(UsageStream.Key));
        var parsed = await UsageStreamProbe.ReadAllAsync(db);
        Assert.Equal(Enumerable.Range(0, 150).Select(i => "r" + i), parsed.Select(u => u.RequestId));
        Assert.Equal(batch.Select(p => p.Event), parsed);

        long Expected(string who) => batch.Where(p => p.Event.ClientId == who && p.Cost is not null).Sum(p => SpendKeys.ToPicodollars(p.Cost!.Value));
        foreach (var who in new[] { client, other })
        {
            Assert.Equal(Expected(who), (long)await db.StringGetAsync(SpendKeys.Day(who, Noon.UtcDateTime)));
            Assert.Equal(Expected(who), (long)await db.StringGetAsync(SpendKeys.Month(who, Noon.UtcDateTime)));
            Assert.InRange((await db.KeyTimeToLiveAsync(SpendKeys.Day(who, Noon.UtcDateTime)))!.Value, TimeSpan.FromDays(2.9), TimeSpan.FromDays(3));
        }
    }

    [Fact]
    public async Task ACallAcrossMidnight_ChargesEachDayItsOwnEvents()
    {
        var db = _mux.GetDatabase();
        var client = "m" + Guid.NewGuid().ToString("N")[..8];
        var evening = new DateTimeOffset(2026, 4, 30, 23, 59, 59, TimeSpan.Zero);
        var batch = new List<PendingUsage>();
        for (var i = 0; i < 10; i++)
        {
            // Alternating sides of midnight, which is also a month's end.
            var at = i % 2 == 0 ? evening : evening.AddSeconds(2);
            batch.Add(new PendingUsage(Event(client, i) with { Timestamp = at }, 0.000001m * (i + 1)));
        }

        var call = Assert.Single(UsageAppendScript.Calls(batch, new UsageOptions()));
        var sha = await _mux.GetServer(_mux.GetEndPoints()[0]).ScriptLoadAsync(UsageAppendScript.Source);
        await db.ScriptEvaluateAsync(sha, call.Keys, call.Args);

        long Sum(int parity) => batch.Where((_, i) => i % 2 == parity).Sum(p => SpendKeys.ToPicodollars(p.Cost!.Value));
        Assert.Equal(Sum(0), (long)await db.StringGetAsync(SpendKeys.Day(client, evening.UtcDateTime)));
        Assert.Equal(Sum(1), (long)await db.StringGetAsync(SpendKeys.Day(client, evening.AddSeconds(2).UtcDateTime)));
        Assert.Equal(Sum(0), (long)await db.StringGetAsync(SpendKeys.Month(client, evening.UtcDateTime)));
        Assert.Equal(Sum(1), (long)await db.StringGetAsync(SpendKeys.Month(client, evening.AddSeconds(2).UtcDateTime)));
    }

    [Fact]
    public async Task ACallReleasesItsRequestsReservations_AndAddsAGroupedClientsCostToItsGroup_OnceEvenWhenRetried()
    {
        var db = _mux.GetDatabase();
        var client = "g" + Guid.NewGuid().ToString("N")[..8];
        var group = "team" + Guid.NewGuid().ToString("N")[..8];
        RedisKey clientResv = SpendKeys.Reservations(client), groupResv = SpendKeys.GroupReservations(group);
        // Two requests in flight reserved 5,000 and 7,000 picodollars in expiry bucket 42; a third, another request's, 1,000.
        await db.HashSetAsync(clientResv, [new("x42", 13_000), new("n", 13_000), new("w", 42)]);
        await db.HashSetAsync(groupResv, [new("x42", 13_000), new("n", 13_000), new("w", 42)]);
        var batch = new List<PendingUsage>
        {
            new(Event(client, 0), 0.000000004m) { Group = group, Reservation = new Reservation(clientResv, groupResv, 42, 5_000) },
            new(Event(client, 1), 0.000000006m) { Group = group, Reservation = new Reservation(clientResv, groupResv, 42, 7_000) },
        };

        var call = Assert.Single(UsageAppendScript.Calls(batch, new UsageOptions()));
        var sha = await _mux.GetServer(_mux.GetEndPoints()[0]).ScriptLoadAsync(UsageAppendScript.Source);
        await db.ScriptEvaluateAsync(sha, call.Keys, call.Args);
        await db.ScriptEvaluateAsync(sha, call.Keys, call.Args); // a retry changes nothing

        // The real costs ($0.000000004 + $0.000000006 = 10,000 picodollars) replace the reservations, for both budgets.
        foreach (var key in new[] { SpendKeys.Day(client, Noon.UtcDateTime), SpendKeys.GroupDay(group, Noon.UtcDateTime), SpendKeys.GroupMonth(group, Noon.UtcDateTime) })
        {
            Assert.Equal(10_000, (long)await db.StringGetAsync(key));
        }

        foreach (var key in new[] { clientResv, groupResv })
        {
            Assert.Equal(1_000, (long)await db.HashGetAsync(key, "x42"));
            Assert.Equal(1_000, (long)await db.HashGetAsync(key, "n"));
        }

        // A release of a bucket that expired meanwhile (evicted by an admission) takes nothing.
        var late = new List<PendingUsage> { new(Event(client, 2), 0.000000001m) { Reservation = new Reservation(clientResv, null, 41, 9_000) } };
        var lateCall = Assert.Single(UsageAppendScript.Calls(late, new UsageOptions()));
        await db.ScriptEvaluateAsync(sha, lateCall.Keys, lateCall.Args);
        Assert.Equal(1_000, (long)await db.HashGetAsync(clientResv, "n"));
    }

    private static UsageEvent Event(string client, int i) => new(
        "r" + i, Noon.AddMilliseconds(i), client, "gpt-4o-mini", "gpt-4o-mini", "eastus-mini", "eastus",
        InputTokens: 10 + i, CachedInputTokens: 0, OutputTokens: i, CacheHit: false, SavedInputTokens: 0, SavedOutputTokens: 0,
        Status: 200, LatencyMs: 5, TimeToFirstByteMs: 3, Streamed: i % 2 == 0);
}
