using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AspireAoai.Api.Budgets;

public static class BudgetsExtensions
{
    /// <summary>
    /// The budgets of <c>Gateway:Clients:{i}:Budget</c> (validated with the clients at start) and their monitor.
    /// Enforcement rides on the rate-limit admission, which registers this; the usage API reads the same catalog.
    /// </summary>
    public static IServiceCollection AddClientBudgets(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<BudgetCatalog>();
        services.TryAddSingleton<BudgetMonitor>();
        return services;
    }
}
