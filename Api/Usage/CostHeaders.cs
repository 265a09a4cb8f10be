using System.Globalization;

namespace AspireAoai.Api.Usage;

/// <summary>The cost headers and their format.</summary>
public static class CostHeaders
{
    /// <summary>What the request cost, USD: a header on non-streamed answers, a trailer on streams.</summary>
    public const string Cost = "x-aoai-cost-usd";

    /// <summary>On a response-cache hit: what the upstream call would have cost, USD.</summary>
    public const string Saved = "x-aoai-cost-saved-usd";

    /// <summary>The value for a model without a price.</summary>
    public const string UnpricedValue = "unpriced";

    /// <summary>Invariant decimal without exponent or trailing zeros (<c>0.000525</c>, <c>0</c>), or <c>unpriced</c>.</summary>
    public static string Format(decimal? usd) => usd is { } value
        ? value.ToString("0.############################", CultureInfo.InvariantCulture)
        : UnpricedValue;
}
