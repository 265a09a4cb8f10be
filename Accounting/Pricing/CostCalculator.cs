using AspireAoai.Accounting.Usage;

namespace AspireAoai.Accounting.Pricing;

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
