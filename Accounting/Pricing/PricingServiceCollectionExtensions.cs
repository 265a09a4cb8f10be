using AspireAoai.Accounting.Pricing;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the price table.</summary>
public static class PricingServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="PricingOptions"/> from <c>Pricing</c>, fills in <see cref="DefaultPrices"/> for models not
    /// configured, validates at start and registers <see cref="IPriceTable"/>.
    /// </summary>
    public static IServiceCollection AddPricing(this IServiceCollection services)
    {
        services.AddOptions<PricingOptions>()
            .BindConfiguration(PricingOptions.SectionName)
            .PostConfigure(MergeDefaults)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<PricingOptions>, PricingOptionsValidator>();
        services.AddSingleton<IPriceTable, PriceTable>();
        return services;
    }

    /// <summary>Adds the <see cref="DefaultPrices"/> for models (and aliases) the options do not configure.</summary>
    public static void MergeDefaults(PricingOptions options)
    {
        if (!options.IncludeDefaults)
        {
            return;
        }

        var configured = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var model in options.Models)
        {
            if (model is null) continue;
            configured.Add(model.Model);
            configured.UnionWith(model.Aliases);
        }

        foreach (var model in DefaultPrices.Create())
        {
            if (!configured.Contains(model.Model))
            {
                // A default alias that a configured model claims belongs to that model now.
                model.Aliases.RemoveAll(configured.Contains);
                options.Models.Add(model);
            }
        }
    }
}
