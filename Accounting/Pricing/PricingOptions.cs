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

/// <summary>USD per one million tokens, in effect from a UTC date.</summary>
public sealed class ModelPrice
{
    /// <summary>First UTC day (from 00:00) this price applies to.</summary>
    public DateOnly EffectiveFrom { get; set; }

    /// <summary>USD per 1M uncached input tokens.</summary>
    public decimal InputPerMillion { get; set; }

    /// <summary>USD per 1M cached input tokens; when not set, cached input is charged at <see cref="InputPerMillion"/>.</summary>
    public decimal? CachedInputPerMillion { get; set; }

    /// <summary>USD per 1M output tokens (reasoning tokens included: they are billed as output).</summary>
    public decimal OutputPerMillion { get; set; }

    /// <summary>USD per 1M audio input tokens (<c>prompt_tokens_details.audio_tokens</c>); not set = <see cref="InputPerMillion"/>.</summary>
    public decimal? AudioInputPerMillion { get; set; }

    /// <summary>USD per 1M audio output tokens (<c>completion_tokens_details.audio_tokens</c>); not set = <see cref="OutputPerMillion"/>.</summary>
    public decimal? AudioOutputPerMillion { get; set; }
}
