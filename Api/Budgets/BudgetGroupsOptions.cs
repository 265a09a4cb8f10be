using AspireAoai.Api.Auth;

namespace AspireAoai.Api.Budgets;

/// <summary>The shared budgets (section <c>Gateway</c>, key <c>BudgetGroups</c>).</summary>
public sealed class BudgetGroupsOptions
{
    public IList<BudgetGroupOptions> BudgetGroups { get; set; } = new List<BudgetGroupOptions>();
}
