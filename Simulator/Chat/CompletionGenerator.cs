using AspireAoai.Simulator.Configuration;
using Microsoft.ML.Tokenizers;

namespace AspireAoai.Simulator.Chat;

/// <summary>A piece of generated text (one word with its leading space) and its token count.</summary>
internal readonly record struct TextPiece(string Text, int Tokens);

/// <summary>One generated choice.</summary>
/// <param name="Text">The whole completion.</param>
/// <param name="Pieces">The completion cut into stream deltas; they concatenate to <paramref name="Text"/>.</param>
/// <param name="Tokens">The exact token count of <paramref name="Text"/>.</param>
/// <param name="HitLimit">True when max_tokens cut the answer short (finish_reason "length").</param>
internal sealed record GeneratedChoice(string Text, IReadOnlyList<TextPiece> Pieces, int Tokens, bool HitLimit);

/// <summary>
/// Makes a deterministic answer from the request: the first words of the last user message echoed back,
/// then filler words picked by a hash of the conversation. Same messages and max_tokens, same answer.
/// </summary>
internal static class CompletionGenerator
{
    public const int MinDefaultTokens = 16;
    public const int MaxDefaultTokens = 40;
    private const int MaxEchoWords = 8;
    private const int MaxEchoWordLength = 24;

    /// <summary>Words that are one token in both o200k_base and cl100k_base, with or without a leading space.</summary>
    internal static readonly string[] Vocabulary =
    [
        "the", "model", "answer", "is", "a", "test", "of", "and", "to", "in", "this", "for", "with", "on",
        "that", "it", "as", "by", "from", "are", "an", "be", "at", "or", "data", "request", "time", "simple",
        "value", "result", "first", "next", "more", "new", "good", "short", "text", "word", "line", "part",
    ];

    /// <summary>A hash of everything that decides the answer: roles, names, contents and max_tokens.</summary>
    public static ulong Fingerprint(ChatRequest request)
    {
        var hash = Fnv.Offset;
        foreach (var message in request.Messages)
        {
            hash = Fnv.Add(hash, message.Role);
            hash = Fnv.Add(hash, message.Name ?? "\0");
            hash = Fnv.Add(hash, message.Content);
        }

        return Fnv.Add(hash, (ulong)(request.MaxTokens ?? 0));
    }

    public static GeneratedChoice Generate(ChatRequest request, ulong fingerprint, int choiceIndex, Tokenizer tokenizer)
        => Generate(request, fingerprint, choiceIndex, tokenizer, DefaultLength);

    private static readonly AnswerOptions DefaultLength = new() { MinTokens = MinDefaultTokens, MaxTokens = MaxDefaultTokens };

    /// <summary>Generates one choice; <paramref name="length"/> is the configured answer length (<c>Simulator:Answer</c>).</summary>
    public static GeneratedChoice Generate(ChatRequest request, ulong fingerprint, int choiceIndex, Tokenizer tokenizer, AnswerOptions length)
    {
        var random = new SplitMix(fingerprint ^ (0x9E3779B97F4A7C15UL * (ulong)(choiceIndex + 1)));
        var wanted = length.MinTokens + (int)(Fnv.Add(fingerprint, 0x5EED) % (ulong)(length.MaxTokens - length.MinTokens + 1));
        if (length.UseMaxTokens && request.MaxTokens is { } asked)
        {
            // The model runs until max_tokens stops it: the length asked for, cut by "length".
            wanted = (int)Math.Min(asked, AnswerOptions.Ceiling);
        }

        var limit = request.MaxTokens is { } max ? Math.Min(max, wanted) : wanted;
        var hitLimit = request.MaxTokens is { } m && (m < wanted || (length.UseMaxTokens && m == wanted));

        var pieces = new List<TextPiece>(limit);
        var total = 0;
        foreach (var word in EchoWords(request))
        {
            TryAdd(word);
        }

        // Bounded: should a filler word ever tokenize to more than the room left, give up instead of spinning.
        for (var attempt = 0; total < limit && attempt < (limit * 4) + 8; attempt++)
        {
            TryAdd(Vocabulary[(int)(random.Next() % (ulong)Vocabulary.Length)]);
        }

        // Counting pieces one by one matches counting the whole text, since each piece starts a new
        // pre-token at its leading space; recounting guarantees completion_tokens is exact regardless.
        var text = string.Concat(pieces.Select(p => p.Text));
        var exact = tokenizer.CountTokens(text);
        while (exact > limit && pieces.Count > 1)
        {
            pieces.RemoveAt(pieces.Count - 1);
            text = string.Concat(pieces.Select(p => p.Text));
            exact = tokenizer.CountTokens(text);
        }

        return new GeneratedChoice(text, pieces, exact, hitLimit);

        void TryAdd(string word)
        {
            var piece = pieces.Count == 0 ? word : " " + word;
            var tokens = tokenizer.CountTokens(piece);
            if (total + tokens <= limit)
            {
                pieces.Add(new TextPiece(piece, tokens));
                total += tokens;
            }
        }
    }

    private static IEnumerable<string> EchoWords(ChatRequest request)
    {
        string? last = null;
        for (var i = request.Messages.Count - 1; i >= 0 && last is null; i--)
        {
            if (request.Messages[i].Role == "user")
            {
                last = request.Messages[i].Content;
            }
        }

        if (string.IsNullOrWhiteSpace(last))
        {
            yield break;
        }

        var taken = 0;
        foreach (var raw in last.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            if (taken == MaxEchoWords)
            {
                yield break;
            }

            var word = raw.Length > MaxEchoWordLength ? raw[..MaxEchoWordLength] : raw;
            if (word.Any(char.IsControl) || char.IsSurrogate(word[^1]))
            {
                continue;
            }

            taken++;
            yield return word;
        }
    }

    /// <summary>FNV-1a, 64 bit: a stable hash (string.GetHashCode is randomized per process).</summary>
    private static class Fnv
    {
        public const ulong Offset = 14695981039346656037UL;
        private const ulong Prime = 1099511628211UL;

        public static ulong Add(ulong hash, string value)
        {
            foreach (var c in value)
            {
                hash = (hash ^ c) * Prime;
            }

            return (hash ^ 0xFF) * Prime;
        }

        public static ulong Add(ulong hash, ulong value)
        {
            for (var i = 0; i < 8; i++)
            {
                hash = (hash ^ ((value >> (i * 8)) & 0xFF)) * Prime;
            }

            return hash;
        }
    }
}

/// <summary>SplitMix64: tiny, fast, and the same sequence on every machine.</summary>
internal struct SplitMix(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
