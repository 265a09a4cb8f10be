namespace AspireAoai.Accounting.Pricing;

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
