using System.Globalization;
using AspireAoai.Api.Budgets;
using AspireAoai.Api.Usage;

namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// What a budgeted client is told: the remaining budget of the tightest period (<c>x-budget-remaining-usd</c>, what is left
/// after spend and reservations in flight, this request's included; <c>x-budget-resets</c>, when that period ends, UTC) on
/// every answer, and why a request whose worst case does not fit is refused.
/// </summary>
internal static class BudgetAnswer
{
    public const string RemainingHeader = "x-budget-remaining-usd";
    public const string ResetsHeader = "x-budget-resets";

    /// <summary>One budget's position in one period.</summary>
    public readonly record struct Position(BudgetScope Scope, BudgetPeriod Period, long Limit, long Spent, long Reserved, DateTimeOffset ResetsAt)
    {
        /// <summary>Picodollars left after spend and reservations; never below zero.</summary>
        public long Left => Math.Max(0, Limit - Spent - Reserved);
    }

    /// <summary>The position with the least left of every budget and period the admission read; null when none was read.</summary>
    public static Position? Tightest(ClientBudget budget, in LimitResult result)
    {
        if (result.PeriodKeys is not { } keys || result.Budget is not { } reading)
        {
            return null;
        }

        Position? best = null;
        if (budget.Own is { } own)
        {
            Consider(ref best, own, BudgetPeriod.Day, result.DaySpend, reading.ClientReserved, keys);
            Consider(ref best, own, BudgetPeriod.Month, result.MonthSpend, reading.ClientReserved, keys);
        }

        if (budget.Group is { } group)
        {
            Consider(ref best, group, BudgetPeriod.Day, reading.GroupDaySpend, reading.GroupReserved, keys);
            Consider(ref best, group, BudgetPeriod.Month, reading.GroupMonthSpend, reading.GroupReserved, keys);
        }

        return best;
    }

    /// <summary>The position of the budget and period a refusal names.</summary>
    public static Position Refused(ClientBudget budget, in LimitResult result)
    {
        var keys = result.PeriodKeys!;
        var reading = result.Budget!;
        return result.Reason switch
        {
            SlidingWindowScript.ReasonBudgetDay => Make(budget.Own!, BudgetPeriod.Day, result.DaySpend, reading.ClientReserved, keys),
            SlidingWindowScript.ReasonBudgetMonth => Make(budget.Own!, BudgetPeriod.Month, result.MonthSpend, reading.ClientReserved, keys),
            SlidingWindowScript.ReasonGroupBudgetDay => Make(budget.Group!, BudgetPeriod.Day, reading.GroupDaySpend, reading.GroupReserved, keys),
            _ => Make(budget.Group!, BudgetPeriod.Month, reading.GroupMonthSpend, reading.GroupReserved, keys),
        };
    }

    /// <summary>Sets the two budget headers from the tightest position.</summary>
    public static void WriteHeaders(ClientBudget budget, in LimitResult result, IHeaderDictionary headers)
    {
        if (Tightest(budget, result) is { } p)
        {
            headers[RemainingHeader] = CostHeaders.Format(SpendKeys.ToDollars(p.Left));
            headers[ResetsHeader] = Iso(p.ResetsAt);
        }
    }

    /// <summary>
    /// The refusal's message: which budget, what is left, what the request could cost, and that only a worst case that
    /// fits is admitted (even when the real cost would have fitted).
    /// </summary>
    public static string Message(ClientBudget budget, Position p, long cost, bool inFlightMayFree)
    {
        var period = p.Period == BudgetPeriod.Day ? "daily" : "monthly";
        var owner = p.Scope.IsGroup ? $"budget group '{p.Scope.Id}' (client '{budget.ClientId}' is a member)" : $"client '{budget.ClientId}'";
        var left = Usd(p.Left);
        var then = inFlightMayFree
            ? "Requests in flight hold part of it until they finish; retry shortly, or lower max_tokens."
            : $"Lower max_tokens, or retry after the budget resets at {Iso(p.ResetsAt)}.";
        return string.Create(CultureInfo.InvariantCulture,
            $"The {period} budget of {Usd(p.Limit)} for {owner} cannot cover this request: {left} is left ({Usd(p.Spent)} spent, {Usd(p.Reserved)} reserved by requests in flight) and this request could cost up to {Usd(cost)} (its prompt and its max_tokens of output at the model's prices). A request is admitted only when its worst case fits what is left, even if its real cost would have fitted. {then}");
    }

    private static void Consider(ref Position? best, BudgetScope scope, BudgetPeriod period, long spent, long reserved, PeriodKeys keys)
    {
        if (scope.LimitPicodollars(period) == 0 || spent < 0)
        {
            return;
        }

        var p = Make(scope, period, spent, reserved, keys);
        if (best is null || p.Left < best.Value.Left)
        {
            best = p;
        }
    }

    private static Position Make(BudgetScope scope, BudgetPeriod period, long spent, long reserved, PeriodKeys keys)
    {
        var dayStart = new DateTimeOffset(keys.Day * TimeSpan.TicksPerDay, TimeSpan.Zero);
        return new Position(scope, period, scope.LimitPicodollars(period), Math.Max(0, spent), Math.Max(0, reserved),
            ClientBudget.ResetsAt(period, dayStart));
    }

    private static string Usd(long picodollars) => ClientBudget.FormatUsd(SpendKeys.ToDollars(picodollars));

    private static string Iso(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
