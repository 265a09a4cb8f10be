using System.Globalization;
using AspireAoai.Api.Auth;
using AspireAoai.Api.Usage;
using StackExchange.Redis;

namespace AspireAoai.Api.Budgets;

/// <summary>The period a budget covers.</summary>
public enum BudgetPeriod
{
    Day,
    Month,
}

/// <summary>
/// One client's budget, resolved once at start: the limits in picodollars (the unit of the running spend counters),
/// this period's spend keys (recomputed only when the UTC day changes), and what this replica last saw of the spend.
/// </summary>
public sealed class ClientBudget
{
    private PeriodKeys? _keys;
    private long _daySpend = -1;
    private long _monthSpend = -1;
    private long _observedDay = -1;
    private long _observedMonth = -1;
    private long _warnedDay = -1;
    private long _warnedMonth = -1;

    internal ClientBudget(string clientId, ClientBudgetOptions options)
    {
        ClientId = clientId;
        DailyUsd = options.DailyUsd;
        MonthlyUsd = options.MonthlyUsd;
        SoftLimitPercent = options.SoftLimitPercent;
        DailyPicodollars = options.DailyUsd is { } d ? SpendKeys.ToPicodollars(d) : 0;
        MonthlyPicodollars = options.MonthlyUsd is { } m ? SpendKeys.ToPicodollars(m) : 0;
        SoftDailyPicodollars = DailyPicodollars / 100 * SoftLimitPercent + DailyPicodollars % 100 * SoftLimitPercent / 100;
        SoftMonthlyPicodollars = MonthlyPicodollars / 100 * SoftLimitPercent + MonthlyPicodollars % 100 * SoftLimitPercent / 100;
    }

    public string ClientId { get; }

    public decimal? DailyUsd { get; }

    public decimal? MonthlyUsd { get; }

    public int SoftLimitPercent { get; }

    /// <summary>The daily limit in picodollars; 0 = none.</summary>
    public long DailyPicodollars { get; }

    /// <summary>The monthly limit in picodollars; 0 = none.</summary>
    public long MonthlyPicodollars { get; }

    internal long SoftDailyPicodollars { get; }

    internal long SoftMonthlyPicodollars { get; }

    /// <summary>Limit of a period in USD (null when that period has none).</summary>
    public decimal? Limit(BudgetPeriod period) => period == BudgetPeriod.Day ? DailyUsd : MonthlyUsd;

    /// <summary>The spend keys of the UTC day and month of <paramref name="utcNow"/>; allocated once per day.</summary>
    internal PeriodKeys KeysAt(DateTimeOffset utcNow)
    {
        var day = DayNumber(utcNow);
        var keys = Volatile.Read(ref _keys);
        if (keys is not null && keys.Day == day)
        {
            return keys;
        }

        var utc = utcNow.UtcDateTime;
        keys = new PeriodKeys(day, MonthNumber(utcNow), SpendKeys.Day(ClientId, utc), SpendKeys.Month(ClientId, utc));
        Volatile.Write(ref _keys, keys);
        return keys;
    }

    /// <summary>Remembers the spend an admission read, for the spend gauge.</summary>
    internal void Observe(PeriodKeys keys, long daySpend, long monthSpend)
    {
        if (daySpend >= 0)
        {
            Volatile.Write(ref _daySpend, daySpend);
            Volatile.Write(ref _observedDay, keys.Day);
        }

        if (monthSpend >= 0)
        {
            Volatile.Write(ref _monthSpend, monthSpend);
            Volatile.Write(ref _observedMonth, keys.Month);
        }
    }

    /// <summary>The last spend this replica saw in the current period, in picodollars; -1 when none.</summary>
    internal long LastSpend(BudgetPeriod period, DateTimeOffset utcNow) => period == BudgetPeriod.Day
        ? (Volatile.Read(ref _observedDay) == DayNumber(utcNow) ? Volatile.Read(ref _daySpend) : -1)
        : (Volatile.Read(ref _observedMonth) == MonthNumber(utcNow) ? Volatile.Read(ref _monthSpend) : -1);

    /// <summary>True the first time this replica sees the soft threshold of a period crossed (once per period).</summary>
    internal bool MarkSoftLimitReached(BudgetPeriod period, long periodNumber)
    {
        ref var warned = ref period == BudgetPeriod.Day ? ref _warnedDay : ref _warnedMonth;
        var seen = Volatile.Read(ref warned);
        return seen < periodNumber && Interlocked.CompareExchange(ref warned, periodNumber, seen) == seen;
    }

    /// <summary>UTC midnight after <paramref name="utcNow"/> (day) or the first of the next month (month).</summary>
    public static DateTimeOffset ResetsAt(BudgetPeriod period, DateTimeOffset utcNow)
    {
        var utc = utcNow.UtcDateTime;
        return period == BudgetPeriod.Day
            ? new DateTimeOffset(utc.Date.AddDays(1), TimeSpan.Zero)
            : new DateTimeOffset(new DateTime(utc.Year, utc.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(1), TimeSpan.Zero);
    }

    /// <summary>USD for messages: at least cents, more digits only when the amount has them (up to 1e-6).</summary>
    public static string FormatUsd(decimal usd) => "$" + usd.ToString("#,0.00####", CultureInfo.InvariantCulture);

    internal static long DayNumber(DateTimeOffset utcNow) => utcNow.UtcTicks / TimeSpan.TicksPerDay;

    internal static long MonthNumber(DateTimeOffset utcNow)
    {
        var utc = utcNow.UtcDateTime;
        return (utc.Year * 12L) + utc.Month - 1;
    }
}

/// <summary>A client's spend keys for one UTC day (and its month).</summary>
internal sealed record PeriodKeys(long Day, long Month, RedisKey DayKey, RedisKey MonthKey);
