using System.Collections.Frozen;
using AspireAoai.Api.Auth;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Budgets;

/// <summary>The budgets of <c>Gateway:Clients</c>, resolved once at start. Clients without one are absent.</summary>
public sealed class BudgetCatalog
{
    private readonly FrozenDictionary<string, ClientBudget> _budgets;

    public BudgetCatalog(IOptions<GatewayAuthOptions> options)
    {
        var map = new Dictionary<string, ClientBudget>(StringComparer.Ordinal);
        foreach (var c in options.Value.Clients)
        {
            if (!string.IsNullOrEmpty(c.Id) && c.Budget is { HasLimit: true } budget)
            {
                map[c.Id] = new ClientBudget(c.Id, budget);
            }
        }

        _budgets = map.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Every client with a budget.</summary>
    public IReadOnlyCollection<ClientBudget> All => _budgets.Values;

    /// <summary>The client's budget, or null.</summary>
    public ClientBudget? For(string clientId) => _budgets.GetValueOrDefault(clientId);
}
