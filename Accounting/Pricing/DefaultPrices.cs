namespace AspireAoai.Accounting.Pricing;

/// <summary>
/// Built-in prices, so a fresh install prices the common models. They are the seed article's per-1K
/// prices times 1000; real contracts differ: override them under <c>Pricing:Models</c>.
/// </summary>
public static class DefaultPrices
{
    private static readonly DateOnly Since = new(2024, 1, 1);

    /// <summary>A fresh copy of the defaults (callers may mutate what they get).</summary>
    public static List<ModelPricing> Create() =>
    [
        new()
        {
            Model = "gpt-4o",
            Aliases = ["gpt-4o-2024-05-13", "gpt-4o-2024-08-06", "gpt-4o-2024-11-20"],
            Prices = [new() { EffectiveFrom = Since, InputPerMillion = 5.00m, CachedInputPerMillion = 2.50m, OutputPerMillion = 15.00m }],
        },
        new()
        {
            Model = "gpt-4o-mini",
            Aliases = ["gpt-4o-mini-2024-07-18"],
            Prices = [new() { EffectiveFrom = Since, InputPerMillion = 0.15m, CachedInputPerMillion = 0.075m, OutputPerMillion = 0.60m }],
        },
        new()
        {
            Model = "text-embedding-3-large",
            Prices = [new() { EffectiveFrom = Since, InputPerMillion = 0.13m, OutputPerMillion = 0m }],
        },
    ];
}
