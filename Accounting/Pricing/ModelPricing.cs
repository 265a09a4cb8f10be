namespace AspireAoai.Accounting.Pricing;

/// <summary>The prices of one model over time.</summary>
public sealed class ModelPricing
{
    /// <summary>The canonical model name (<c>gpt-4o</c>), used in cost records and metrics.</summary>
    public string Model { get; set; } = "";

    /// <summary>Other names that mean this model: versioned names (<c>gpt-4o-2024-11-20</c>), deployment names.</summary>
    public List<string> Aliases { get; set; } = [];

    /// <summary>Price list entries; the one with the latest <see cref="ModelPrice.EffectiveFrom"/> not after an event applies.</summary>
    public List<ModelPrice> Prices { get; set; } = [];
}
