using Microsoft.ML.Tokenizers;

namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// Which tiktoken encoding a model uses: o200k_base for the gpt-4o family and newer, cl100k_base for the rest. The
/// one table of it: this file is compiled into the Api (admission estimates, stream output counts) and linked into
/// the Simulator (the usage it reports), so the gateway counts a prompt as the upstream it stands in for does.
/// Each encoding is loaded once, on first use: building a vocabulary takes a few hundred milliseconds and tens of
/// megabytes, and some processes (the simulator in fixed-answer mode) never need one.
/// </summary>
internal static class ModelEncodings
{
    private static readonly Lazy<Tokenizer> O200k = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));
    private static readonly Lazy<Tokenizer> Cl100k = new(() => TiktokenTokenizer.CreateForEncoding("cl100k_base"));

    /// <summary>The tokenizer of <paramref name="model"/>.</summary>
    public static Tokenizer ForModel(string model) => UsesO200k(model) ? O200k.Value : Cl100k.Value;

    /// <summary>True for the models OpenAI tokenizes with o200k_base.</summary>
    public static bool UsesO200k(string model) =>
        model.StartsWith("gpt-4o", StringComparison.OrdinalIgnoreCase) ||
        model.StartsWith("gpt-4.1", StringComparison.OrdinalIgnoreCase) ||
        model.StartsWith("gpt-4.5", StringComparison.OrdinalIgnoreCase) ||
        model.StartsWith("gpt-5", StringComparison.OrdinalIgnoreCase) ||
        model.StartsWith("o1", StringComparison.OrdinalIgnoreCase) ||
        model.StartsWith("o3", StringComparison.OrdinalIgnoreCase) ||
        model.StartsWith("o4", StringComparison.OrdinalIgnoreCase);

    /// <summary>Loads both vocabularies so no request pays for it.</summary>
    public static void WarmUp()
    {
        O200k.Value.CountTokens("warm up");
        Cl100k.Value.CountTokens("warm up");
    }
}
