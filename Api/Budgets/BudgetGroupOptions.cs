using AspireAoai.Api.Auth;

namespace AspireAoai.Api.Budgets;

/// <summary>A budget shared by several clients (<c>Gateway:BudgetGroups:{i}</c>).</summary>
public sealed class BudgetGroupOptions
{
    /// <summary>The group's id, named by each member's <c>Gateway:Clients:{i}:BudgetGroup</c>.</summary>
    public string Id { get; set; } = "";

    /// <summary>The most USD the group's clients may spend together per UTC day; null = none.</summary>
    public decimal? DailyUsd { get; set; }

    /// <summary>The most USD the group's clients may spend together per UTC calendar month; null = none.</summary>
    public decimal? MonthlyUsd { get; set; }

    /// <summary>Share of a budget (1-100 %) at which a warning is logged and counted once per period.</summary>
    public int SoftLimitPercent { get; set; } = 80;
}
