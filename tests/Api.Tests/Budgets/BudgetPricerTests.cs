using AspireAoai.Accounting.Pricing;
using AspireAoai.Api.Budgets;
using AspireAoai.Api.Parsing;
using AspireAoai.Api.Usage;

namespace AspireAoai.Api.Tests.Budgets;

public class BudgetPricerTests
{
    private static readonly DateTimeOffset At = new(2026, 12, 6, 12, 0, 0, TimeSpan.Zero);

    private static PriceTable Defaults()
    {
        var options = new PricingOptions();
        PricingServiceCollectionExtensions.MergeDefaults(options);
        return new PriceTable(options);
    }

    [Theory]
    [InlineData(2_000, 300, 1)]
    [InlineData(17, 8, 3)]
    [InlineData(123_457, 4_096, 2)]
    public void AWorstCase_IsWhatSettlementWouldChargeForThoseTokens_ToThePicodollar(long prompt, int maxTokens, int n)
    {
        var prices = Defaults();
        var pricer = new BudgetPricer(prices, Microsoft.Extensions.Options.Options.Create(new BudgetOptions()));

        Assert.True(pricer.TryWorstCase(OperationKind.ChatCompletions, "gpt-4o", prompt, maxTokens, n, At, out var reserved, out var output));

        var settled = new UsagePricer(prices).Price("gpt-4o", null, At, prompt, 0, output);
        Assert.Equal((long)maxTokens * n, output);
        Assert.Equal(SpendKeys.ToPicodollars(settled.Cost!.Value), reserved);
    }

    [Fact]
    public void AModelWithoutAPrice_HasNoWorstCase()
    {
        var pricer = new BudgetPricer(Defaults(), Microsoft.Extensions.Options.Options.Create(new BudgetOptions()));

        Assert.False(pricer.TryWorstCase(OperationKind.ChatCompletions, "no-such-model", 100, 10, 1, At, out _, out _));
    }
}
