using Microsoft.Extensions.Options;

namespace AspireAoai.Accounting.Pricing;

/// <summary>An immutable lookup built once from validated <see cref="PricingOptions"/>.</summary>
public sealed class PriceTable : IPriceTable
{
    private readonly Dictionary<string, (string Model, ModelPrice[] NewestFirst)> _byName =
        new(StringComparer.OrdinalIgnoreCase);

    public PriceTable(IOptions<PricingOptions> options)
        : this(options.Value)
    {
    }

    public PriceTable(PricingOptions options)
    {
        foreach (var model in options.Models)
        {
            var entry = (model.Model, model.Prices.OrderByDescending(p => p.EffectiveFrom).ToArray());
            _byName[model.Model] = entry;
            foreach (var alias in model.Aliases)
            {
                _byName[alias] = entry;
            }
        }
    }

    public bool TryGetPrice(string modelOrAlias, DateTimeOffset at, out string model, out ModelPrice price)
    {
        if (_byName.TryGetValue(modelOrAlias, out var entry))
        {
            var day = DateOnly.FromDateTime(at.UtcDateTime);
            foreach (var candidate in entry.NewestFirst)
            {
                if (candidate.EffectiveFrom <= day)
                {
                    model = entry.Model;
                    price = candidate;
                    return true;
                }
            }
        }

        model = "";
        price = null!;
        return false;
    }
}
