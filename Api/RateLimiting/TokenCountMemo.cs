namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// Remembers the token counts of recent message texts, so a text sent again (an application's system prompt, its
/// few-shot examples: the same on every request) is hashed and compared instead of tokenized. Exact: a hit is the
/// tokenizer's own count for that very text. Direct-mapped and lock-free: a slot holds one immutable entry, replaced
/// whole by the last writer; texts shorter than <see cref="MinLength"/> (cheap to tokenize) or longer than
/// <see cref="MaxLength"/> are not kept, which bounds the memory to about Slots x MaxLength x 2 bytes.
/// </summary>
internal sealed class TokenCountMemo
{
    internal const int Slots = 512;
    internal const int MinLength = 16;
    internal const int MaxLength = 8 * 1024;

    private readonly Entry?[] _entries = new Entry?[Slots];

    /// <summary>The tokens of <paramref name="text"/> by <paramref name="tokenizer"/>, from memory when it was counted before.</summary>
    public int Count(Microsoft.ML.Tokenizers.Tokenizer tokenizer, ReadOnlySpan<char> text)
    {
        if (text.Length is < MinLength or > MaxLength)
        {
            return tokenizer.CountTokens(text);
        }

        var hash = string.GetHashCode(text);
        ref var slot = ref _entries[hash & (Slots - 1)];
        var entry = Volatile.Read(ref slot);
        if (entry is not null && entry.Hash == hash && ReferenceEquals(entry.Tokenizer, tokenizer) && text.SequenceEqual(entry.Text))
        {
            return entry.Count;
        }

        var count = tokenizer.CountTokens(text);
        Volatile.Write(ref slot, new Entry(hash, tokenizer, text.ToString(), count));
        return count;
    }

    private sealed record Entry(int Hash, Microsoft.ML.Tokenizers.Tokenizer Tokenizer, string Text, int Count);
}
