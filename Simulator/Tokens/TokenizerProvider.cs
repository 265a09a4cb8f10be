using AspireAoai.Api.RateLimiting;
using Microsoft.ML.Tokenizers;

namespace AspireAoai.Simulator.Tokens;

/// <summary>Counts tokens the way the model behind a deployment would.</summary>
public interface ITokenizerProvider
{
    /// <summary>The tokenizer of a model: o200k_base for the gpt-4o family and newer, cl100k_base for the rest.</summary>
    Tokenizer ForModel(string model);
}

/// <summary>
/// The model -> encoding table the gateway uses too (<see cref="ModelEncodings"/>, a source file linked from the Api),
/// so the simulator reports the token counts the gateway estimates. Each encoding loads on first use.
/// </summary>
internal sealed class TokenizerProvider : ITokenizerProvider
{
    public Tokenizer ForModel(string model) => ModelEncodings.ForModel(model);
}
