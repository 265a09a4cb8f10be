namespace AspireAoai.Api.UsageReports;

/// <summary>A client's budgets as configured (USD as decimal strings).</summary>
public sealed record BudgetView(string? DailyUsd, string? MonthlyUsd, int SoftLimitPercent);
