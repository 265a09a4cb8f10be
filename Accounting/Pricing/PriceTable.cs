using AspireAoai.Accounting.Usage;
using Microsoft.Extensions.Options;

namespace AspireAoai.Accounting.Pricing;

/// <summary>Finds the price in effect for a model name at a moment.</summary>
public interface IPriceTable
{
    /// <summary>
    /// The canonical model and price for <paramref name="modelOrAlias"/> at <paramref name="at"/>, or false when
    /// the name is unknown or no price was in effect yet.
    /// </summary>
    bool TryGetPrice(string modelOrAlias, DateTimeOffset at, out string model, out ModelPrice price);
}

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

/// <summary>What one usage event costs. <see cref="Cost"/> is null when no price applies: never a silent zero.</summary>
/// <param name="Model">The canonical priced model, or the name that was looked up when unpriced.</param>
/// <param name="Cost">USD, exact decimal.</param>
/// <param name="SavedCost">USD a response-cache hit saved (its saved tokens at the prices the original answer paid).</param>
public readonly record struct UsageCost(string Model, decimal? Cost, decimal? SavedCost)
{
    public bool IsPriced => Cost.HasValue;
}

/// <summary>Token counts to money, in <see cref="decimal"/> throughout.</summary>
public static class CostCalculator
{
    private const decimal TokensPerUnit = 1_000_000m;

    /// <summary>
    /// cost = ((in - cin) * input + cin * cachedInput + out * output) / 1M with the price in effect at the
    /// event's timestamp. The priced model named by the Api is authoritative; without one the requested
    /// model, then the deployment name, are looked up.
    /// </summary>
    public static UsageCost Calculate(UsageEvent usage, IPriceTable prices)
    {
        string model;
        ModelPrice price;
        var found = usage.PricedModel.Length > 0
            ? prices.TryGetPrice(usage.PricedModel, usage.Timestamp, out model, out price)
            : prices.TryGetPrice(usage.Model, usage.Timestamp, out model, out price)
              || (usage.Deployment.Length > 0 && prices.TryGetPrice(usage.Deployment, usage.Timestamp, out model, out price));
        if (!found)
        {
            return new UsageCost(usage.PriceLookupName, null, null);
        }

        var cost = Calculate(price, usage.InputTokens, usage.CachedInputTokens, usage.OutputTokens, usage.AudioInputTokens, usage.AudioOutputTokens);
        var saved = Calculate(price, usage.SavedInputTokens, usage.SavedCachedInputTokens, usage.SavedOutputTokens);
        return new UsageCost(model, cost, saved);
    }

    /// <summary>
    /// The cost of a token count at one price: ((in - cin - ain) * input + cin * cachedInput + ain * audioInput
    /// + (out - aout) * output + aout * audioOutput) / 1M. Audio tokens are parts of the input and output counts; a price
    /// without audio prices charges them as text. Reasoning tokens are part of the output and cost what output costs.
    /// </summary>
    public static decimal Calculate(ModelPrice price, long inputTokens, long cachedInputTokens, long outputTokens,
        long audioInputTokens = 0, long audioOutputTokens = 0)
    {
        var uncached = inputTokens - cachedInputTokens - audioInputTokens;
        var cachedPrice = price.CachedInputPerMillion ?? price.InputPerMillion;
        var audioInputPrice = price.AudioInputPerMillion ?? price.InputPerMillion;
        var audioOutputPrice = price.AudioOutputPerMillion ?? price.OutputPerMillion;
        return (uncached * price.InputPerMillion + cachedInputTokens * cachedPrice + audioInputTokens * audioInputPrice
                + (outputTokens - audioOutputTokens) * price.OutputPerMillion + audioOutputTokens * audioOutputPrice)
               / TokensPerUnit;
    }
}
