using AspireAoai.Accounting.Pricing;

namespace AspireAoai.Api.Usage;

/// <summary>
/// What a request costs, in one place: the <c>x-aoai-cost-usd</c> header, the usage event's <c>priced</c> model and
/// the running spend counters all come from here, so a client's header, its budget and the Worker's totals agree.
/// </summary>
public sealed class UsagePricer
{
    private readonly IPriceTable _prices;

    public UsagePricer(IPriceTable prices) => _prices = prices;

    /// <summary>Prices a finished request's record.</summary>
    public PricedUsage Price(UsageRecord usage) => Price(usage.Model, usage.ResponseModel, usage.Timestamp, usage.InputTokens,
        usage.CachedInputTokens, usage.OutputTokens, usage.SavedInputTokens, usage.SavedOutputTokens,
        usage.AudioInputTokens, usage.AudioOutputTokens, usage.SavedCachedInputTokens);

    /// <summary>
    /// Prices token counts with the pool's logical model when it has a price, else the versioned model the upstream
    /// reported (an alias); with neither, the usage is unpriced (a null cost, never a silent zero).
    /// </summary>
    public PricedUsage Price(string model, string? responseModel, DateTimeOffset at, long inputTokens, long cachedInputTokens,
        long outputTokens, long savedInputTokens = 0, long savedOutputTokens = 0, long audioInputTokens = 0, long audioOutputTokens = 0,
        long savedCachedInputTokens = 0)
    {
        if (!_prices.TryGetPrice(model, at, out var priced, out var price)
            && (responseModel is not { Length: > 0 } || !_prices.TryGetPrice(responseModel, at, out priced, out price)))
        {
            return PricedUsage.Unpriced;
        }

        // The Worker prices the event with the same table and the same 'priced' model: the numbers are identical.
        var cached = Math.Min(cachedInputTokens, inputTokens);
        var cost = CostCalculator.Calculate(price, inputTokens, cached, outputTokens,
            Math.Clamp(audioInputTokens, 0, inputTokens - cached), Math.Clamp(audioOutputTokens, 0, outputTokens));
        // A hit saved what the original answer cost: its prompt-cached part at the cached-input price.
        var saved = savedInputTokens == 0 && savedOutputTokens == 0 ? 0m
            : CostCalculator.Calculate(price, savedInputTokens, Math.Clamp(savedCachedInputTokens, 0, savedInputTokens), savedOutputTokens);
        return new PricedUsage(priced, cost, saved);
    }
}
