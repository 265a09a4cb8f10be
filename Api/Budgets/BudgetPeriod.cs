namespace AspireAoai.Api.Budgets;

/// <summary>The period a budget covers.</summary>
public enum BudgetPeriod
{
    Day,
    Month,
}
