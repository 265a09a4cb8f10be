namespace AspireAoai.Accounting.Pricing;

/// <summary>
/// Prices per model, bound from <c>Pricing</c>. Models configured here replace the built-in defaults of
/// the same name; the other defaults stay unless <see cref="IncludeDefaults"/> is false.
/// </summary>
public sealed class PricingOptions
{
    public const string SectionName = "Pricing";

    /// <summary>Whether the built-in <see cref="DefaultPrices"/> fill in models not configured here.</summary>
    public bool IncludeDefaults { get; set; } = true;

    /// <summary>One entry per priced model.</summary>
    public List<ModelPricing> Models { get; set; } = [];
}
