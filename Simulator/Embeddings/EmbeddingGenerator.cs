using System.Buffers.Binary;
using AspireAoai.Simulator.Chat;

namespace AspireAoai.Simulator.Embeddings;

/// <summary>
/// Deterministic unit vectors: the same input always gives the same vector, and a shorter
/// <c>dimensions</c> gives the same vector truncated and renormalized, as OpenAI's text-embedding-3 models do.
/// </summary>
internal static class EmbeddingGenerator
{
    /// <summary>The native size of a model's vectors.</summary>
    public static int NativeDimensions(string model) =>
        model.Contains("3-large", StringComparison.OrdinalIgnoreCase) ? 3072 : 1536;

    /// <summary>True for models that accept <c>dimensions</c> (ada-002 does not).</summary>
    public static bool SupportsDimensions(string model) =>
        !model.Contains("ada", StringComparison.OrdinalIgnoreCase);

    public static void Fill(EmbeddingInput input, Span<float> vector)
    {
        var random = new SplitMix(Seed(input));
        double sumOfSquares = 0;
        for (var i = 0; i < vector.Length; i++)
        {
            // Uniform in [-1, 1): 24 random bits are all a float can hold.
            var value = ((random.Next() >> 40) / (float)(1 << 23)) - 1f;
            vector[i] = value;
            sumOfSquares += value * value;
        }

        var scale = (float)(1 / Math.Sqrt(sumOfSquares));
        for (var i = 0; i < vector.Length; i++)
        {
            vector[i] *= scale;
        }
    }

    private static ulong Seed(EmbeddingInput input)
    {
        var hash = 14695981039346656037UL;
        if (input.Text is { } text)
        {
            Span<byte> utf8 = stackalloc byte[4];
            foreach (var rune in text.EnumerateRunes())
            {
                var length = rune.EncodeToUtf8(utf8);
                for (var i = 0; i < length; i++)
                {
                    hash = (hash ^ utf8[i]) * 1099511628211UL;
                }
            }
        }
        else
        {
            Span<byte> bytes = stackalloc byte[4];
            foreach (var token in input.TokenIds!)
            {
                BinaryPrimitives.WriteInt32LittleEndian(bytes, token);
                foreach (var b in bytes)
                {
                    hash = (hash ^ b) * 1099511628211UL;
                }
            }

            hash ^= 0xA5A5A5A5UL;
        }

        return hash;
    }

    /// <summary>Little-endian float32 bytes, the layout the <c>base64</c> encoding format carries.</summary>
    public static void ToBytes(ReadOnlySpan<float> vector, Span<byte> destination)
    {
        for (var i = 0; i < vector.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(destination[(i * 4)..], vector[i]);
        }
    }
}
