using AspireAoai.Accounting.Pricing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace AspireAoai.Accounting.Tests.Pricing;

public class PricingOptionsTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddPricing();
        return services.BuildServiceProvider();
    }

    [Fact]
    public void NoConfiguration_UsesTheDefaultPrices()
    {
        using var sp = Build([]);
        var table = sp.GetRequiredService<IPriceTable>();

        Assert.True(table.TryGetPrice("gpt-4o", DateTimeOffset.UtcNow, out _, out var gpt4o));
        Assert.Equal(2.50m, gpt4o.InputPerMillion);
        Assert.Equal(1.25m, gpt4o.CachedInputPerMillion);
        Assert.Equal(10.00m, gpt4o.OutputPerMillion);
        Assert.True(table.TryGetPrice("gpt-4o-mini-2024-07-18", DateTimeOffset.UtcNow, out var mini, out _));
        Assert.Equal("gpt-4o-mini", mini);
        Assert.True(table.TryGetPrice("text-embedding-3-large", DateTimeOffset.UtcNow, out _, out var embed));
        Assert.Equal(0.13m, embed.InputPerMillion);
    }

    [Fact]
    public void ConfiguredModel_ReplacesItsDefault_AndKeepsTheOthers()
    {
        using var sp = Build(new()
        {
            ["Pricing:Models:0:Model"] = "gpt-4o",
            ["Pricing:Models:0:Aliases:0"] = "prod-gpt4o",
            ["Pricing:Models:0:Prices:0:EffectiveFrom"] = "2024-01-01",
            ["Pricing:Models:0:Prices:0:InputPerMillion"] = "2.5",
            ["Pricing:Models:0:Prices:0:CachedInputPerMillion"] = "1.25",
            ["Pricing:Models:0:Prices:0:OutputPerMillion"] = "10",
        });
        var table = sp.GetRequiredService<IPriceTable>();

        Assert.True(table.TryGetPrice("prod-gpt4o", DateTimeOffset.UtcNow, out var model, out var price));
        Assert.Equal("gpt-4o", model);
        Assert.Equal(2.5m, price.InputPerMillion);
        Assert.False(table.TryGetPrice("gpt-4o-2024-11-20", DateTimeOffset.UtcNow, out _, out _)); // the default's alias went with it
        Assert.True(table.TryGetPrice("gpt-4o-mini", DateTimeOffset.UtcNow, out _, out _));
    }

    [Fact]
    public void IncludeDefaultsFalse_PricesOnlyWhatIsConfigured()
    {
        using var sp = Build(new()
        {
            ["Pricing:IncludeDefaults"] = "false",
            ["Pricing:Models:0:Model"] = "m",
            ["Pricing:Models:0:Prices:0:EffectiveFrom"] = "2024-01-01",
            ["Pricing:Models:0:Prices:0:InputPerMillion"] = "1",
            ["Pricing:Models:0:Prices:0:OutputPerMillion"] = "1",
        });

        Assert.False(sp.GetRequiredService<IPriceTable>().TryGetPrice("gpt-4o", DateTimeOffset.UtcNow, out _, out _));
    }

    [Theory]
    [InlineData("Pricing:Models:0:Prices:0:InputPerMillion", "-1", "Pricing:Models:0:Prices:0:InputPerMillion must not be negative")]
    [InlineData("Pricing:Models:0:Prices:0:EffectiveFrom", "", "Pricing:Models:0:Prices:0:EffectiveFrom is required")]
    [InlineData("Pricing:Models:0:Aliases:0", "custom", "'custom' is already used")]
    [InlineData("Pricing:Models:0:Model", "", "Pricing:Models:0:Model is required")]
    public void InvalidPrices_FailAtStart_NamingTheKey(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Pricing:Models:0:Model"] = "custom",
            ["Pricing:Models:0:Prices:0:EffectiveFrom"] = "2024-01-01",
            ["Pricing:Models:0:Prices:0:InputPerMillion"] = "1",
            ["Pricing:Models:0:Prices:0:OutputPerMillion"] = "1",
            [key] = value,
        };
        using var sp = Build(settings);

        var ex = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IOptions<PricingOptions>>().Value);
        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void ModelWithoutPrices_FailsValidation()
    {
        using var sp = Build(new() { ["Pricing:Models:0:Model"] = "bare" });

        var ex = Assert.Throws<OptionsValidationException>(() => sp.GetRequiredService<IOptions<PricingOptions>>().Value);
        Assert.Contains("Pricing:Models:0:Prices needs at least one entry", ex.Message);
    }
}
