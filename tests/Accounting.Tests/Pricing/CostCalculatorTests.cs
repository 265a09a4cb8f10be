using AspireAoai.Accounting.Pricing;
using AspireAoai.Accounting.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace AspireAoai.Accounting.Tests.Pricing;

public class CostCalculatorTests
{
    private static readonly DateTimeOffset Jan2025 = new(2025, 1, 15, 12, 0, 0, TimeSpan.Zero);

    private static PriceTable Defaults()
    {
        var options = new PricingOptions();
        PricingServiceCollectionExtensions.MergeDefaults(options);
        return new PriceTable(options);
    }

    internal static UsageEvent Event(string model = "gpt-4o", long input = 0, long cached = 0, long output = 0,
        DateTimeOffset? at = null, string priced = "", string dep = "dep-a", long savedIn = 0, long savedOut = 0) =>
        new("req-1", at ?? Jan2025, "client-a", model, priced, dep, "eastus", input, cached, output,
            savedIn > 0 || savedOut > 0, savedIn, savedOut, 200, 120, 40, false);

    [Fact]
    public void Gpt4o_MillionInputAndOutputTokens_CostsTheListedPricesExactly()
    {
        var cost = CostCalculator.Calculate(Event(input: 1_000_000, output: 1_000_000), Defaults());

        Assert.Equal("gpt-4o", cost.Model);
        Assert.Equal(12.50m, cost.Cost);
    }

    [Fact]
    public void Gpt4oMini_SmallRequest_IsExactInDecimalWhereDoubleWouldDrift()
    {
        // 1234 * 0.15 / 1M + 567 * 0.60 / 1M = 0.0001851 + 0.0003402
        var cost = CostCalculator.Calculate(Event("gpt-4o-mini", input: 1234, output: 567), Defaults());

        Assert.Equal(0.0005253m, cost.Cost);
    }

    [Fact]
    public void CachedInput_IsChargedAtTheCachedPrice_AndTheRestAtTheInputPrice()
    {
        // 1000 uncached * 2.50 + 3000 cached * 1.25 + 500 * 10.00, per 1M
        var cost = CostCalculator.Calculate(Event(input: 4000, cached: 3000, output: 500), Defaults());

        Assert.Equal((1000 * 2.50m + 3000 * 1.25m + 500 * 10.00m) / 1_000_000m, cost.Cost);
    }

    [Fact]
    public void CachedInput_WithoutACachedPrice_IsChargedAtTheInputPrice()
    {
        var cost = CostCalculator.Calculate(Event("text-embedding-3-large", input: 1000, cached: 400), Defaults());

        Assert.Equal(1000 * 0.13m / 1_000_000m, cost.Cost);
    }

    [Fact]
    public void UnknownModel_IsUnpriced_NeverZero()
    {
        var cost = CostCalculator.Calculate(Event("gpt-5-preview", input: 100, output: 100, dep: "dep-x"), Defaults());

        Assert.False(cost.IsPriced);
        Assert.Null(cost.Cost);
        Assert.Equal("gpt-5-preview", cost.Model);
    }

    [Fact]
    public void EventBeforeTheFirstEffectiveDate_IsUnpriced()
    {
        var cost = CostCalculator.Calculate(Event(input: 100, at: new DateTimeOffset(2023, 12, 31, 23, 59, 59, TimeSpan.Zero)), Defaults());

        Assert.Null(cost.Cost);
    }

    [Fact]
    public void PriceChange_AppliesFromItsEffectiveUtcDay()
    {
        var options = new PricingOptions
        {
            IncludeDefaults = false,
            Models =
            [
                new ModelPricing
                {
                    Model = "m",
                    Prices =
                    [
                        new ModelPrice { EffectiveFrom = new DateOnly(2025, 3, 1), InputPerMillion = 1m, OutputPerMillion = 2m },
                        new ModelPrice { EffectiveFrom = new DateOnly(2024, 1, 1), InputPerMillion = 10m, OutputPerMillion = 20m },
                    ],
                },
            ],
        };
        var table = new PriceTable(options);

        var before = CostCalculator.Calculate(Event("m", input: 1_000_000, at: new DateTimeOffset(2025, 2, 28, 23, 59, 59, 999, TimeSpan.Zero)), table);
        var after = CostCalculator.Calculate(Event("m", input: 1_000_000, at: new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero)), table);

        Assert.Equal(10m, before.Cost);
        Assert.Equal(1m, after.Cost);
    }

    [Fact]
    public void PricedModel_IsAuthoritative_AndAliasesResolveToTheCanonicalModel()
    {
        var table = Defaults();

        var byAlias = CostCalculator.Calculate(Event("my-logical-name", input: 1_000_000, priced: "gpt-4o-2024-11-20"), table);
        var unknownPriced = CostCalculator.Calculate(Event("gpt-4o", input: 1_000_000, priced: "gpt-4o-2030-01-01"), table);

        Assert.Equal("gpt-4o", byAlias.Model);
        Assert.Equal(2.5m, byAlias.Cost);
        Assert.Null(unknownPriced.Cost);
    }

    [Fact]
    public void WithoutPricedModel_TheDeploymentNameIsTriedAfterTheModel()
    {
        var options = new PricingOptions { Models = [new ModelPricing { Model = "gpt-4o-mini", Aliases = ["contoso-mini-deployment"], Prices = [new ModelPrice { EffectiveFrom = new DateOnly(2024, 1, 1), InputPerMillion = 1m, OutputPerMillion = 1m }] }] };

        var cost = CostCalculator.Calculate(Event("unknown-logical", input: 1_000_000, dep: "contoso-mini-deployment"), new PriceTable(options));

        Assert.Equal(1m, cost.Cost);
    }

    [Fact]
    public void CacheHit_SavedTokens_AreValuedAtTheUncachedPrices()
    {
        var cost = CostCalculator.Calculate(Event(savedIn: 1_000_000, savedOut: 1_000_000), Defaults());

        Assert.Equal(0m, cost.Cost);
        Assert.Equal(12.5m, cost.SavedCost);
    }

    [Fact]
    public void ManySmallCosts_SumExactly()
    {
        var table = Defaults();
        var total = 0m;
        for (var i = 0; i < 10_000; i++)
        {
            total += CostCalculator.Calculate(Event("gpt-4o-mini", input: 1, output: 1), table).Cost!.Value;
        }

        Assert.Equal(10_000 * 0.75m / 1_000_000m, total);
    }
}
