using Microsoft.ML.Tokenizers;

namespace AspireAoai.Simulator.Tokens;

/// <summary>Counts tokens the way the model behind a deployment would.</summary>
public interface ITokenizerProvider
{
    /// <summary>The tokenizer of a model: o200k_base for the gpt-4o family and newer, cl100k_base for the rest.</summary>
    Tokenizer ForModel(string model);
}

/// <summary>
/// Loads each encoding once, on first use: building a tiktoken vocabulary takes a few hundred
/// milliseconds and tens of megabytes, and fixed-answer mode never needs one.
/// </summary>
internal sealed class TokenizerProvider : ITokenizerProvider
{
    private readonly Lazy<Tokenizer> _o200k = new(() => TiktokenTokenizer.CreateForEncoding("o200k_base"));
    private readonly Lazy<Tokenizer> _cl100k = new(() => TiktokenTokenizer.CreateForEncoding("cl100k_base"));

    public Tokenizer ForModel(string model) => UsesO200k(model) ? _o200k.Value : _cl100k.Value;

    /// <summary>True for the models OpenAI tokenizes with o200k_base.</summary>
    public static bool UsesO200k(string model) =>
        model.StartsWith("gpt-4o", StringComparison.OrdinalIgnoreCase) ||
        model.StartsWith("gpt-4.1", StringComparison.OrdinalIgnoreCase) ||
        model.StartsWith("gpt-4.5", StringComparison.OrdinalIgnoreCase) ||
        model.StartsWith("gpt-5", StringComparison.OrdinalIgnoreCase) ||
        model.StartsWith("o1", StringComparison.OrdinalIgnoreCase) ||
        model.StartsWith("o3", StringComparison.OrdinalIgnoreCase) ||
        model.StartsWith("o4", StringComparison.OrdinalIgnoreCase);
}
