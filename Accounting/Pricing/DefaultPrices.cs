namespace AspireAoai.Accounting.Pricing;

/// <summary>
/// Built-in prices, so a fresh install prices the common models: OpenAI's list prices in USD per 1M tokens for the
/// standard (global) tier, as published on openai.com/api/pricing (read 2025-08 for the gpt-5 family and earlier for the
/// rest; docs/costs.md lists them with their sources and dates). Azure's global deployments bill the same list prices;
/// data-zone and regional deployments, provisioned throughput and negotiated contracts differ: override any model
/// under <c>Pricing:Models</c> (an entry of the same name replaces the default one).
/// </summary>
public static class DefaultPrices
{
    /// <summary>A fresh copy of the defaults (callers may mutate what they get).</summary>
    public static List<ModelPricing> Create() =>
    [
        // gpt-4o: the name meant 2024-05-13 at 5 / 15 until 2024-08-06 shipped at 2.50 / 10; prompt caching (cached
        // input at half price) started 2024-10-01. The 2024-05-13 version keeps its own price: name a pool after it.
        Model("gpt-4o", ["gpt-4o-2024-08-06", "gpt-4o-2024-11-20"],
            Price(2024, 5, 13, 5.00m, 15.00m),
            Price(2024, 8, 6, 2.50m, 10.00m),
            Price(2024, 10, 1, 2.50m, 10.00m, cached: 1.25m)),
        Model("gpt-4o-2024-05-13", [], Price(2024, 5, 13, 5.00m, 15.00m)),
        Model("gpt-4o-mini", ["gpt-4o-mini-2024-07-18"],
            Price(2024, 7, 18, 0.15m, 0.60m),
            Price(2024, 10, 1, 0.15m, 0.60m, cached: 0.075m)),
        Model("gpt-4.1", ["gpt-4.1-2025-04-14"], Price(2025, 4, 14, 2.00m, 8.00m, cached: 0.50m)),
        Model("gpt-4.1-mini", ["gpt-4.1-mini-2025-04-14"], Price(2025, 4, 14, 0.40m, 1.60m, cached: 0.10m)),
        Model("gpt-4.1-nano", ["gpt-4.1-nano-2025-04-14"], Price(2025, 4, 14, 0.10m, 0.40m, cached: 0.025m)),
        Model("o1", ["o1-2024-12-17"], Price(2024, 12, 17, 15.00m, 60.00m, cached: 7.50m)),
        // o3 launched at 10 / 40 and was cut by 80 % on 2025-06-10.
        Model("o3", ["o3-2025-04-16"],
            Price(2025, 4, 16, 10.00m, 40.00m, cached: 2.50m),
            Price(2025, 6, 10, 2.00m, 8.00m, cached: 0.50m)),
        Model("o3-mini", ["o3-mini-2025-01-31"], Price(2025, 1, 31, 1.10m, 4.40m, cached: 0.55m)),
        Model("o4-mini", ["o4-mini-2025-04-16"], Price(2025, 4, 16, 1.10m, 4.40m, cached: 0.275m)),
        Model("gpt-5", ["gpt-5-2025-08-07"], Price(2025, 8, 7, 1.25m, 10.00m, cached: 0.125m)),
        Model("gpt-5-mini", ["gpt-5-mini-2025-08-07"], Price(2025, 8, 7, 0.25m, 2.00m, cached: 0.025m)),
        Model("gpt-5-nano", ["gpt-5-nano-2025-08-07"], Price(2025, 8, 7, 0.05m, 0.40m, cached: 0.005m)),
        Model("text-embedding-3-small", [], Price(2024, 1, 25, 0.02m, 0m)),
        Model("text-embedding-3-large", [], Price(2024, 1, 25, 0.13m, 0m)),
        // Audio models: text tokens at the text prices, audio tokens (prompt/completion_tokens_details.audio_tokens) at
        // the audio prices. The 2024-12-17 versions cut audio from 100 / 200 to 40 / 80 (mini: 10 / 20).
        Model("gpt-4o-audio-preview", ["gpt-4o-audio-preview-2024-10-01", "gpt-4o-audio-preview-2024-12-17"],
            Price(2024, 10, 1, 2.50m, 10.00m, audioIn: 100.00m, audioOut: 200.00m),
            Price(2024, 12, 17, 2.50m, 10.00m, audioIn: 40.00m, audioOut: 80.00m)),
        Model("gpt-4o-realtime-preview", ["gpt-4o-realtime-preview-2024-10-01", "gpt-4o-realtime-preview-2024-12-17"],
            Price(2024, 10, 1, 5.00m, 20.00m, cached: 2.50m, audioIn: 100.00m, audioOut: 200.00m),
            Price(2024, 12, 17, 5.00m, 20.00m, cached: 2.50m, audioIn: 40.00m, audioOut: 80.00m)),
        Model("gpt-4o-mini-audio-preview", ["gpt-4o-mini-audio-preview-2024-12-17"],
            Price(2024, 12, 17, 0.15m, 0.60m, audioIn: 10.00m, audioOut: 20.00m)),
        Model("gpt-4o-mini-realtime-preview", ["gpt-4o-mini-realtime-preview-2024-12-17"],
            Price(2024, 12, 17, 0.60m, 2.40m, cached: 0.30m, audioIn: 10.00m, audioOut: 20.00m)),
    ];

    private static ModelPricing Model(string name, string[] aliases, params ModelPrice[] prices)
        => new() { Model = name, Aliases = [.. aliases], Prices = [.. prices] };

    private static ModelPrice Price(int year, int month, int day, decimal input, decimal output, decimal? cached = null,
        decimal? audioIn = null, decimal? audioOut = null) => new()
        {
            EffectiveFrom = new DateOnly(year, month, day),
            InputPerMillion = input,
            OutputPerMillion = output,
            CachedInputPerMillion = cached,
            AudioInputPerMillion = audioIn,
            AudioOutputPerMillion = audioOut,
        };
}
