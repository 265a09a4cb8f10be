using System.Globalization;
using AspireAoai.Api.Budgets;
using StackExchange.Redis;

namespace AspireAoai.Api.UsageReports;

/// <summary>
/// Reads the running spend counters (picodollars, <see cref="SpendKeys"/>) of the current UTC day and month and the
/// reservations in flight, of a client and of its budget group, by this replica's clock: the numbers admission checks
/// budgets against. One pipelined batch per client.
/// </summary>
public sealed partial class LiveSpendReader(IServiceProvider services, BudgetCatalog budgets, TimeProvider time, ILogger<LiveSpendReader> logger)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    // Resolved lazily: the multiplexer exists only when Redis is configured.
    private readonly Lazy<IConnectionMultiplexer?> _redis = new(services.GetService<IConnectionMultiplexer>);

    public async Task<LiveSpend> ReadAsync(string clientId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var utc = now.UtcDateTime;
        var budget = budgets.For(clientId);
        var own = budget?.Own;
        var view = own is null ? null : View(own);
        var date = utc.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var month = utc.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        if (_redis.Value is not { IsConnected: true } redis)
        {
            return new LiveSpend(date, month, false, null, null, view);
        }

        try
        {
            var db = redis.GetDatabase();
            var spend = db.StringGetAsync([SpendKeys.Day(clientId, utc), SpendKeys.Month(clientId, utc)]);
            var reserved = db.HashGetAllAsync(SpendKeys.Reservations(clientId));
            var group = budget?.Group;
            var groupSpend = group is null ? null : db.StringGetAsync([SpendKeys.GroupDay(group.Id, utc), SpendKeys.GroupMonth(group.Id, utc)]);
            var groupReserved = group is null ? null : db.HashGetAllAsync(group.ReservationKey);
            var all = groupSpend is null ? Task.WhenAll(spend, reserved) : Task.WhenAll(spend, reserved, groupSpend, groupReserved!);
            await all.WaitAsync(Timeout, time, cancellationToken).ConfigureAwait(false);

            var nowMs = now.ToUnixTimeMilliseconds();
            var (day, mon) = (Pico(spend.Result[0]), Pico(spend.Result[1]));
            var held = Live(reserved.Result, nowMs);
            var result = new LiveSpend(date, month, true, Dollars(day), Dollars(mon), view)
            {
                ReservedUsd = Dollars(held),
                RemainingTodayUsd = Remaining(own?.DailyPicodollars ?? 0, day, held),
                RemainingMonthUsd = Remaining(own?.MonthlyPicodollars ?? 0, mon, held),
            };
            if (group is null)
            {
                return result;
            }

            var (gday, gmon) = (Pico(groupSpend!.Result[0]), Pico(groupSpend.Result[1]));
            var gheld = Live(groupReserved!.Result, nowMs);
            return result with
            {
                Group = new GroupSpend(group.Id, Dollars(gday), Dollars(gmon), Dollars(gheld), Remaining(group.DailyPicodollars, gday, gheld),
                    Remaining(group.MonthlyPicodollars, gmon, gheld), View(group)),
            };
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogUnavailable(logger, ex.GetType().Name);
            return new LiveSpend(date, month, false, null, null, view);
        }
    }

    /// <summary>The reservations of a hash that have not expired (the admission script evicts the others lazily).</summary>
    internal static long Live(HashEntry[] entries, long nowMs)
    {
        long sum = 0;
        foreach (var e in entries)
        {
            var name = (string)e.Name!;
            if (name.Length > 1 && name[0] == 'x' && long.TryParse(name.AsSpan(1), NumberStyles.Integer, CultureInfo.InvariantCulture, out var bucket)
                && bucket * BudgetOptions.ReservationBucketMs > nowMs && e.Value.TryParse(out long amount))
            {
                sum += amount;
            }
        }

        return sum;
    }

    private static BudgetView View(BudgetScope scope) => new(Usd(scope.DailyUsd), Usd(scope.MonthlyUsd), scope.SoftLimitPercent);

    private static long Pico(RedisValue value) => value.IsNull || !value.TryParse(out long pico) ? 0 : pico;

    private static string Dollars(long picodollars) => UsageSum.Format(SpendKeys.ToDollars(picodollars));

    private static string? Remaining(long limit, long spent, long reserved) => limit == 0 ? null : Dollars(Math.Max(0, limit - spent - reserved));

    private static string? Usd(decimal? value) => value is { } v ? UsageSum.Format(v) : null;

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Could not read the running spend from Redis ({Reason})")]
    private static partial void LogUnavailable(ILogger logger, string reason);
}
