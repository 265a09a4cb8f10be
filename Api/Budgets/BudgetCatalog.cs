using System.Collections.Frozen;
using AspireAoai.Api.Auth;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Budgets;

/// <summary>
/// The budgets of <c>Gateway:Clients</c> and <c>Gateway:BudgetGroups</c>, resolved once at start. A client is budgeted when
/// it has a budget of its own or belongs to a group; the others are absent.
/// </summary>
public sealed class BudgetCatalog
{
    private readonly FrozenDictionary<string, ClientBudget> _budgets;
    private readonly FrozenDictionary<string, BudgetScope> _groups;

    public BudgetCatalog(IOptions<GatewayAuthOptions> options, IOptions<BudgetGroupsOptions>? groups = null)
    {
        var groupMap = new Dictionary<string, BudgetScope>(StringComparer.Ordinal);
        if (groups is not null)
        {
            foreach (var g in groups.Value.BudgetGroups)
            {
                if (!string.IsNullOrEmpty(g.Id))
                {
                    groupMap[g.Id] = new BudgetScope(g.Id, isGroup: true, g.DailyUsd, g.MonthlyUsd, g.SoftLimitPercent);
                }
            }
        }

        var map = new Dictionary<string, ClientBudget>(StringComparer.Ordinal);
        foreach (var c in options.Value.Clients)
        {
            if (string.IsNullOrEmpty(c.Id))
            {
                continue;
            }

            var own = c.Budget is { HasLimit: true } budget
                ? new BudgetScope(c.Id, isGroup: false, budget.DailyUsd, budget.MonthlyUsd, budget.SoftLimitPercent)
                : null;
            var group = c.BudgetGroup is { } id ? groupMap.GetValueOrDefault(id) : null;
            if (own is not null || group is not null)
            {
                map[c.Id] = new ClientBudget(c.Id, own, group);
            }
        }

        _budgets = map.ToFrozenDictionary(StringComparer.Ordinal);
        _groups = groupMap.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Every budgeted client.</summary>
    public IReadOnlyCollection<ClientBudget> All => _budgets.Values;

    /// <summary>Every group.</summary>
    public IReadOnlyCollection<BudgetScope> Groups => _groups.Values;

    /// <summary>The client's budget, or null.</summary>
    public ClientBudget? For(string clientId) => _budgets.GetValueOrDefault(clientId);

    /// <summary>The id of the client's group, or null (the usage writer adds the client's spend to the group's counters).</summary>
    public string? GroupOf(string clientId) => _budgets.TryGetValue(clientId, out var b) ? b.Group?.Id : null;
}
