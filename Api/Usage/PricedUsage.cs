namespace AspireAoai.Api.Usage;

/// <summary>A request's price.</summary>
/// <param name="PricedModel">The canonical model priced with; empty when unpriced.</param>
/// <param name="Cost">USD; null when no price applies.</param>
/// <param name="SavedCost">USD a response-cache hit saved; null when unpriced.</param>
public readonly record struct PricedUsage(string PricedModel, decimal? Cost, decimal? SavedCost)
{
    public static PricedUsage Unpriced => new("", null, null);
}
