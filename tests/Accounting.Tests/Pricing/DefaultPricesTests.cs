using AspireAoai.Accounting.Pricing;
using AspireAoai.Accounting.Usage;

namespace AspireAoai.Accounting.Tests.Pricing;

/// <summary>
/// Pins the built-in list prices (USD per 1M tokens) to the table in docs/costs.md, and the audio, reasoning and
/// saved-cost rules that use them.
/// </summary>
public sealed class DefaultPricesTests
{
    private static readonly DateTimeOffset Sept2025 = new(2025, 9, 1, 12, 0, 0, TimeSpan.Zero);

    private static PriceTable Defaults()
    {
        var options = new PricingOptions();
        Microsoft.Extensions.DependencyInjection.PricingServiceCollectionExtensions.MergeDefaults(options);
        return new PriceTable(options);
    }

    public static TheoryData<string, string, decimal, decimal?, decimal> ListPrices => new()
    {
        { "gpt-4o", "gpt-4o", 2.50m, 1.25m, 10.00m },
        { "gpt-4o-2024-08-06", "gpt-4o", 2.50m, 1.25m, 10.00m },
        { "gpt-4o-2024-11-20", "gpt-4o", 2.50m, 1.25m, 10.00m },
        { "gpt-4o-2024-05-13", "gpt-4o-2024-05-13", 5.00m, null, 15.00m },
        { "gpt-4o-mini-2024-07-18", "gpt-4o-mini", 0.15m, 0.075m, 0.60m },
        { "gpt-4.1", "gpt-4.1", 2.00m, 0.50m, 8.00m },
        { "gpt-4.1-mini", "gpt-4.1-mini", 0.40m, 0.10m, 1.60m },
        { "gpt-4.1-nano", "gpt-4.1-nano", 0.10m, 0.025m, 0.40m },
        { "o1", "o1", 15.00m, 7.50m, 60.00m },
        { "o3", "o3", 2.00m, 0.50m, 8.00m },
        { "o3-mini", "o3-mini", 1.10m, 0.55m, 4.40m },
        { "o4-mini-2025-04-16", "o4-mini", 1.10m, 0.275m, 4.40m },
        { "gpt-5", "gpt-5", 1.25m, 0.125m, 10.00m },
        { "gpt-5-mini", "gpt-5-mini", 0.25m, 0.025m, 2.00m },
        { "gpt-5-nano", "gpt-5-nano", 0.05m, 0.005m, 0.40m },
        { "text-embedding-3-small", "text-embedding-3-small", 0.02m, null, 0m },
        { "text-embedding-3-large", "text-embedding-3-large", 0.13m, null, 0m },
    };

    [Theory]
    [MemberData(nameof(ListPrices))]
    public void TheDefaultTable_HoldsTheListPrices(string name, string canonical, decimal input, decimal? cached, decimal output)
    {
        Assert.True(Defaults().TryGetPrice(name, Sept2025, out var model, out var price));
        Assert.Equal(canonical, model);
        Assert.Equal(input, price.InputPerMillion);
        Assert.Equal(cached, price.CachedInputPerMillion);
        Assert.Equal(output, price.OutputPerMillion);
    }

    [Fact]
    public void O3_IsPricedAtItsLaunchPrice_UntilThePriceCutOf2025_06_10()
    {
        var table = Defaults();
        Assert.True(table.TryGetPrice("o3", new DateTimeOffset(2025, 6, 9, 23, 0, 0, TimeSpan.Zero), out _, out var before));
        Assert.True(table.TryGetPrice("o3", new DateTimeOffset(2025, 6, 10, 0, 0, 0, TimeSpan.Zero), out _, out var after));
        Assert.Equal((10.00m, 40.00m), (before.InputPerMillion, before.OutputPerMillion));
        Assert.Equal((2.00m, 8.00m), (after.InputPerMillion, after.OutputPerMillion));
    }

    [Fact]
    public void AudioTokens_ArePricedAtTheAudioPrices_TheRestAsText()
    {
        // gpt-4o-audio-preview (2024-12-17 prices): text 2.50 / 10, audio 40 / 80.
        var usage = Event("gpt-4o-audio-preview", input: 1_000, output: 500) with { AudioInputTokens = 600, AudioOutputTokens = 300 };

        var cost = CostCalculator.Calculate(usage, Defaults());

        Assert.Equal((400 * 2.50m + 600 * 40.00m + 200 * 10.00m + 300 * 80.00m) / 1_000_000m, cost.Cost);
    }

    [Fact]
    public void ReasoningTokens_AreBilledAsTheOutputTheyArePartOf()
    {
        var plain = CostCalculator.Calculate(Event("o4-mini", input: 1_000, output: 2_000), Defaults());
        var reasoning = CostCalculator.Calculate(Event("o4-mini", input: 1_000, output: 2_000) with { ReasoningTokens = 1_500 }, Defaults());

        Assert.Equal((1_000 * 1.10m + 2_000 * 4.40m) / 1_000_000m, reasoning.Cost);
        Assert.Equal(plain.Cost, reasoning.Cost);
    }

    [Fact]
    public void ACacheHitsSavedCost_PricesTheOriginalsCachedTokens_AtTheCachedInputPrice()
    {
        var hit = Event("gpt-4o", savedIn: 4_000, savedOut: 100) with { SavedCachedInputTokens = 3_000 };

        var cost = CostCalculator.Calculate(hit, Defaults());

        Assert.Equal((1_000 * 2.50m + 3_000 * 1.25m + 100 * 10.00m) / 1_000_000m, cost.SavedCost);
    }

    private static UsageEvent Event(string model, long input = 0, long output = 0, long savedIn = 0, long savedOut = 0) =>
        new("req-1", Sept2025, "client-a", model, "", "dep-a", "eastus", input, 0, output,
            savedIn > 0 || savedOut > 0, savedIn, savedOut, 200, 120, 40, false);
}
