namespace AspireAoai.Api.UsageReports;

/// <summary>
/// The running spend of the current UTC day and month from Redis (what admission checks budgets against), USD as decimal
/// strings; <see cref="Available"/> is false (and the amounts null) when Redis did not answer.
/// </summary>
public sealed record LiveSpend(string Date, string Month, bool Available, string? TodayUsd, string? MonthUsd, BudgetView? Budget)
{
    /// <summary>USD held by the client's requests in flight (their worst cases, until they settle or expire).</summary>
    public string? ReservedUsd { get; init; }

    /// <summary>The daily budget less today's spend and the reservations; null without a daily budget.</summary>
    public string? RemainingTodayUsd { get; init; }

    /// <summary>The monthly budget less this month's spend and the reservations; null without a monthly budget.</summary>
    public string? RemainingMonthUsd { get; init; }

    /// <summary>The budget the client shares with its group, when it is in one.</summary>
    public GroupSpend? Group { get; init; }
}
