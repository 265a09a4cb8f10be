using System.Globalization;
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

/// <summary>A request's price.</summary>
/// <param name="PricedModel">The canonical model priced with; empty when unpriced.</param>
/// <param name="Cost">USD; null when no price applies.</param>
/// <param name="SavedCost">USD a response-cache hit saved; null when unpriced.</param>
public readonly record struct PricedUsage(string PricedModel, decimal? Cost, decimal? SavedCost)
{
    public static PricedUsage Unpriced => new("", null, null);
}

/// <summary>The cost headers and their format.</summary>
public static class CostHeaders
{
    /// <summary>What the request cost, USD: a header on non-streamed answers, a trailer on streams.</summary>
    public const string Cost = "x-aoai-cost-usd";

    /// <summary>On a response-cache hit: what the upstream call would have cost, USD.</summary>
    public const string Saved = "x-aoai-cost-saved-usd";

    /// <summary>The value for a model without a price.</summary>
    public const string UnpricedValue = "unpriced";

    /// <summary>Invariant decimal without exponent or trailing zeros (<c>0.000525</c>, <c>0</c>), or <c>unpriced</c>.</summary>
    public static string Format(decimal? usd) => usd is { } value
        ? value.ToString("0.############################", CultureInfo.InvariantCulture)
        : UnpricedValue;
}
