namespace AspireAoai.Accounting.Pricing;

/// <summary>What one usage event costs. <see cref="Cost"/> is null when no price applies: never a silent zero.</summary>
/// <param name="Model">The canonical priced model, or the name that was looked up when unpriced.</param>
/// <param name="Cost">USD, exact decimal.</param>
/// <param name="SavedCost">USD a response-cache hit saved (its saved tokens at the prices the original answer paid).</param>
public readonly record struct UsageCost(string Model, decimal? Cost, decimal? SavedCost)
{
    public bool IsPriced => Cost.HasValue;
}
