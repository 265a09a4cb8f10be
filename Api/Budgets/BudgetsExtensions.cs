using AspireAoai.Accounting.Pricing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Budgets;

public static class BudgetsExtensions
{
    /// <summary>
    /// The budgets of <c>Gateway:Clients:{i}:Budget</c> and <c>Gateway:BudgetGroups</c> (validated at start), the
    /// reservation settings of <c>Gateway:Budgets</c>, the worst-case pricer and the monitor. Enforcement rides on the
    /// rate-limit admission, which registers this; the usage API and the usage writer read the same catalog.
    /// </summary>
    public static IServiceCollection AddClientBudgets(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton(TimeProvider.System);
        if (services.Any(d => d.ServiceType == typeof(BudgetCatalog)))
        {
            // Registered already (rate limiting and the usage API both ask): binding twice would append the groups twice.
            return services;
        }

        services.AddOptions<BudgetOptions>().BindConfiguration(BudgetOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BudgetOptions>, BudgetOptionsValidator>());
        services.AddOptions<BudgetGroupsOptions>().BindConfiguration("Gateway").ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BudgetGroupsOptions>, BudgetGroupsOptionsValidator>());
        if (!services.Any(d => d.ServiceType == typeof(IPriceTable)))
        {
            services.AddPricing();
        }

        services.TryAddSingleton<BudgetPricer>();
        services.TryAddSingleton<ReservationDeadline>();
        services.TryAddSingleton<BudgetCatalog>();
        services.TryAddSingleton<BudgetMonitor>();
        return services;
    }
}
