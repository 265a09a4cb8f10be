using AspireAoai.Accounting.Pricing;
using AspireAoai.Api.Parsing;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Budgets;

/// <summary>
/// The most a request can cost, known before it goes upstream: its estimated prompt at the input price plus the most
/// output it may produce (<c>max_tokens</c> / <c>max_completion_tokens</c> times <c>n</c>, else the model's default of
/// <see cref="BudgetOptions"/>) at the output price. Same price table and the same rounding (up, to the picodollar) as the
/// settlement, so a reservation is never below the real cost of the tokens it was computed for.
/// </summary>
public sealed class BudgetPricer
{
    private readonly IPriceTable _prices;
    private readonly BudgetOptions _options;

    public BudgetPricer(IPriceTable prices, IOptions<BudgetOptions> options)
    {
        _prices = prices;
        _options = options.Value;
    }

    /// <summary>Output tokens reserved per choice for a request that sets no maximum.</summary>
    public int DefaultOutputTokens(string model)
        => _options.MaxOutputTokens.TryGetValue(model, out var tokens) ? tokens : _options.DefaultMaxOutputTokens;

    /// <summary>
    /// The worst-case cost in picodollars; false when the model has no price at <paramref name="at"/> (a budget could not
    /// be checked). <paramref name="outputTokens"/> is the output it was computed with.
    /// </summary>
    public bool TryWorstCase(OperationKind operation, string model, long promptTokens, int? maxTokens, int? n, DateTimeOffset at,
        out long picodollars, out long outputTokens)
    {
        outputTokens = !operation.GeneratesOutput() ? 0 : (long)(maxTokens ?? DefaultOutputTokens(model)) * Math.Max(1, n ?? 1);
        if (!_prices.TryGetPrice(model, at, out _, out var price))
        {
            picodollars = 0;
            return false;
        }

        // Every prompt token at the dearest input price (cached, uncached or audio: which applies is unknown beforehand)
        // and every output token at the dearer of the text and audio output prices, through the settlement's own formula,
        // so the two cannot drift apart.
        var prompt = Math.Max(0, promptTokens);
        var dearest = new ModelPrice
        {
            EffectiveFrom = price.EffectiveFrom,
            InputPerMillion = Math.Max(price.InputPerMillion, Math.Max(price.CachedInputPerMillion ?? 0m, price.AudioInputPerMillion ?? 0m)),
            OutputPerMillion = Math.Max(price.OutputPerMillion, price.AudioOutputPerMillion ?? 0m),
        };
        picodollars = SpendKeys.ToPicodollars(CostCalculator.Calculate(dearest, prompt, 0, outputTokens));
        return true;
    }
}
