using System.Globalization;
using StackExchange.Redis;

namespace AspireAoai.Api.Budgets;

/// <summary>
/// What a client's requests must fit: its own budget, its group's, or both. Resolved once at start; every admission of a
/// budgeted client reads the spend and the reservations of each scope and reserves its worst case in both, in one call.
/// </summary>
public sealed class ClientBudget
{
    internal ClientBudget(string clientId, BudgetScope? own, BudgetScope? group)
    {
        ClientId = clientId;
        Own = own;
        Group = group;
        ReservationKey = new RedisKey(SpendKeys.Reservations(clientId));
    }

    public string ClientId { get; }

    /// <summary>The client's own budget; null when only its group's applies.</summary>
    public BudgetScope? Own { get; }

    /// <summary>The budget the client shares with its group; null when it is in none.</summary>
    public BudgetScope? Group { get; }

    /// <summary>The client's in-flight reservations (kept even without an own budget, so its usage shows them).</summary>
    public RedisKey ReservationKey { get; }

    /// <summary>The daily limit of the client's own budget in picodollars; 0 = none.</summary>
    public long DailyPicodollars => Own?.DailyPicodollars ?? 0;

    /// <summary>The monthly limit of the client's own budget in picodollars; 0 = none.</summary>
    public long MonthlyPicodollars => Own?.MonthlyPicodollars ?? 0;

    private PeriodKeys? _keys;

    /// <summary>The spend keys of the client and its group for the UTC day of <paramref name="utcNow"/>; allocated once per day.</summary>
    internal PeriodKeys KeysAt(DateTimeOffset utcNow)
    {
        var day = DayNumber(utcNow);
        var keys = Volatile.Read(ref _keys);
        if (keys is not null && keys.Day == day)
        {
            return keys;
        }

        var utc = utcNow.UtcDateTime;
        var group = Group?.KeysAt(utcNow);
        keys = new PeriodKeys(day, MonthNumber(utcNow), SpendKeys.Day(ClientId, utc), SpendKeys.Month(ClientId, utc),
            group?.DayKey ?? default, group?.MonthKey ?? default);
        Volatile.Write(ref _keys, keys);
        return keys;
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
