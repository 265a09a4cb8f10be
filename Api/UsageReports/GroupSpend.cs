namespace AspireAoai.Api.UsageReports;

/// <summary>A budget group's running spend, reservations and remaining budget, USD as decimal strings.</summary>
public sealed record GroupSpend(string Id, string? TodayUsd, string? MonthUsd, string? ReservedUsd, string? RemainingTodayUsd,
    string? RemainingMonthUsd, BudgetView Budget);
