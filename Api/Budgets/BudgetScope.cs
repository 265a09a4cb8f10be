using StackExchange.Redis;

namespace AspireAoai.Api.Budgets;

/// <summary>
/// One budget: a client's own or a group's. Its limits in picodollars (the unit of the running spend counters), this
/// period's spend keys (recomputed only when the UTC day changes), its reservation key, and what this replica last saw of
/// the spend (for the gauge and the once-per-period soft warning).
/// </summary>
public sealed class BudgetScope
{
    private ScopeKeys? _keys;
    private long _daySpend = -1;
    private long _monthSpend = -1;
    private long _observedDay = -1;
    private long _observedMonth = -1;
    private long _warnedDay = -1;
    private long _warnedMonth = -1;

    internal BudgetScope(string id, bool isGroup, decimal? dailyUsd, decimal? monthlyUsd, int softLimitPercent)
    {
        Id = id;
        IsGroup = isGroup;
        DailyUsd = dailyUsd;
        MonthlyUsd = monthlyUsd;
        SoftLimitPercent = softLimitPercent;
        DailyPicodollars = dailyUsd is { } d ? SpendKeys.ToPicodollars(d) : 0;
        MonthlyPicodollars = monthlyUsd is { } m ? SpendKeys.ToPicodollars(m) : 0;
        SoftDailyPicodollars = DailyPicodollars / 100 * softLimitPercent + DailyPicodollars % 100 * softLimitPercent / 100;
        SoftMonthlyPicodollars = MonthlyPicodollars / 100 * softLimitPercent + MonthlyPicodollars % 100 * softLimitPercent / 100;
        ReservationKey = new RedisKey(isGroup ? SpendKeys.GroupReservations(id) : SpendKeys.Reservations(id));
        Kind = isGroup ? "group" : "client";
    }

    /// <summary>The client's or the group's id.</summary>
    public string Id { get; }

    /// <summary>True for a group's shared budget.</summary>
    public bool IsGroup { get; }

    /// <summary><c>client</c> or <c>group</c>, for messages and metric tags.</summary>
    public string Kind { get; }

    public decimal? DailyUsd { get; }

    public decimal? MonthlyUsd { get; }

    public int SoftLimitPercent { get; }

    /// <summary>The daily limit in picodollars; 0 = none.</summary>
    public long DailyPicodollars { get; }

    /// <summary>The monthly limit in picodollars; 0 = none.</summary>
    public long MonthlyPicodollars { get; }

    internal long SoftDailyPicodollars { get; }

    internal long SoftMonthlyPicodollars { get; }

    /// <summary>The scope's in-flight reservations.</summary>
    public RedisKey ReservationKey { get; }

    /// <summary>Limit of a period in USD (null when that period has none).</summary>
    public decimal? Limit(BudgetPeriod period) => period == BudgetPeriod.Day ? DailyUsd : MonthlyUsd;

    /// <summary>Limit of a period in picodollars (0 when that period has none).</summary>
    public long LimitPicodollars(BudgetPeriod period) => period == BudgetPeriod.Day ? DailyPicodollars : MonthlyPicodollars;

    /// <summary>The spend keys of the UTC day and month of <paramref name="utcNow"/>; allocated once per day.</summary>
    internal ScopeKeys KeysAt(DateTimeOffset utcNow)
    {
        var day = ClientBudget.DayNumber(utcNow);
        var keys = Volatile.Read(ref _keys);
        if (keys is not null && keys.Day == day)
        {
            return keys;
        }

        var utc = utcNow.UtcDateTime;
        keys = IsGroup
            ? new ScopeKeys(day, ClientBudget.MonthNumber(utcNow), SpendKeys.GroupDay(Id, utc), SpendKeys.GroupMonth(Id, utc))
            : new ScopeKeys(day, ClientBudget.MonthNumber(utcNow), SpendKeys.Day(Id, utc), SpendKeys.Month(Id, utc));
        Volatile.Write(ref _keys, keys);
        return keys;
    }

    /// <summary>Remembers the spend an admission read, for the spend gauge.</summary>
    internal void Observe(long day, long month, long daySpend, long monthSpend)
    {
        if (daySpend >= 0)
        {
            Volatile.Write(ref _daySpend, daySpend);
            Volatile.Write(ref _observedDay, day);
        }

        if (monthSpend >= 0)
        {
            Volatile.Write(ref _monthSpend, monthSpend);
            Volatile.Write(ref _observedMonth, month);
        }
    }

    /// <summary>The last spend this replica saw in the current period, in picodollars; -1 when none.</summary>
    internal long LastSpend(BudgetPeriod period, DateTimeOffset utcNow) => period == BudgetPeriod.Day
        ? (Volatile.Read(ref _observedDay) == ClientBudget.DayNumber(utcNow) ? Volatile.Read(ref _daySpend) : -1)
        : (Volatile.Read(ref _observedMonth) == ClientBudget.MonthNumber(utcNow) ? Volatile.Read(ref _monthSpend) : -1);

    /// <summary>True the first time this replica sees the soft threshold of a period crossed (once per period).</summary>
    internal bool MarkSoftLimitReached(BudgetPeriod period, long periodNumber)
    {
        ref var warned = ref period == BudgetPeriod.Day ? ref _warnedDay : ref _warnedMonth;
        var seen = Volatile.Read(ref warned);
        return seen < periodNumber && Interlocked.CompareExchange(ref warned, periodNumber, seen) == seen;
    }
}
