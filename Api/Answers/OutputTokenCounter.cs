using System.Buffers;
using System.Text.Json;
using Microsoft.ML.Tokenizers;

namespace AspireAoai.Api.Answers;

/// <summary>
/// Counts the completion tokens of a streamed answer from the text it relayed (content, refusal, tool-call and
/// function-call names and arguments), for the streams that end without a usage chunk: an old api-version, a client
/// that left, an upstream that broke off. Text is kept per choice index and tokenized as a whole, since tokenizing
/// each delta alone would split tokens that span deltas; a choice's text is tokenized in prefixes cut before a space
/// once it grows past <see cref="FlushChars"/>, which bounds the memory of a long answer at a cost of at most one token
/// per cut. The text is never logged or kept beyond the count.
/// </summary>
internal sealed class OutputTokenCounter : IDisposable
{
    /// <summary>Choice text kept before a prefix is counted; most answers stay below it and are counted once at the end.</summary>
    internal const int FlushChars = 16 * 1024;

    /// <summary>Choices counted apart; text of a higher index joins the last slot (a miscount of a token or two at most).</summary>
    private const int MaxSlots = 8;

    private readonly char[]?[] _slots = new char[MaxSlots][];
    private readonly int[] _lengths = new int[MaxSlots];
    private char[]? _pending;
    private int _pendingLength;
    private Tokenizer? _tokenizer;
    private long _counted;

    /// <summary>Starts counting with the tokenizer of the answering model.</summary>
    public void Start(Tokenizer tokenizer) => _tokenizer = tokenizer;

    /// <summary>True once <see cref="Start"/> was called.</summary>
    public bool IsActive => _tokenizer is not null;

    /// <summary>A choice object starts: its text is gathered apart until its index is known (Azure sends it last).</summary>
    public void BeginChoice() => _pendingLength = 0;

    /// <summary>Appends the string value under the reader to the text of the current choice.</summary>
    public void Append(ref Utf8JsonReader reader)
    {
        if (_tokenizer is null)
        {
            return;
        }

        var byteLength = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        if (byteLength == 0)
        {
            return;
        }

        // UTF-8 never yields more UTF-16 chars than bytes.
        _pending = Grow(_pending, _pendingLength, _pendingLength + byteLength);
        _pendingLength += reader.CopyString(_pending.AsSpan(_pendingLength));
    }

    /// <summary>The current choice ends: its text joins the text of choice <paramref name="index"/>.</summary>
    public void EndChoice(int index)
    {
        if (_tokenizer is null || _pendingLength == 0)
        {
            return;
        }

        var slot = Math.Clamp(index, 0, MaxSlots - 1);
        var buffer = Grow(_slots[slot], _lengths[slot], _lengths[slot] + _pendingLength);
        _slots[slot] = buffer;
        _pending.AsSpan(0, _pendingLength).CopyTo(buffer.AsSpan(_lengths[slot]));
        _lengths[slot] += _pendingLength;
        _pendingLength = 0;
        if (_lengths[slot] > FlushChars)
        {
            FlushPrefix(slot);
        }
    }

    /// <summary>Completion tokens of all the text appended so far.</summary>
    public long Count()
    {
        if (_tokenizer is null)
        {
            return 0;
        }

        var total = _counted;
        for (var i = 0; i < MaxSlots; i++)
        {
            if (_lengths[i] > 0)
            {
                total += _tokenizer.CountTokens(_slots[i].AsSpan(0, _lengths[i]));
            }
        }

        return total;
    }

    /// <summary>Returns the buffers and forgets the text, ready for another answer.</summary>
    public void Dispose()
    {
        for (var i = 0; i < MaxSlots; i++)
        {
            if (_slots[i] is { } buffer)
            {
                ArrayPool<char>.Shared.Return(buffer);
                _slots[i] = null;
            }

            _lengths[i] = 0;
        }

        if (_pending is not null)
        {
            ArrayPool<char>.Shared.Return(_pending);
            _pending = null;
        }

        _pendingLength = 0;
        _tokenizer = null;
        _counted = 0;
    }

    private static char[] Grow(char[]? buffer, int used, int size)
    {
        if (buffer is null)
        {
            return ArrayPool<char>.Shared.Rent(Math.Max(size, 1024));
        }

        if (buffer.Length >= size)
        {
            return buffer;
        }

        var larger = ArrayPool<char>.Shared.Rent(Math.Max(size, buffer.Length * 2));
        buffer.AsSpan(0, used).CopyTo(larger);
        ArrayPool<char>.Shared.Return(buffer);
        return larger;
    }

    /// <summary>Counts the text up to its last space (a pre-token boundary: words carry their leading space) and keeps the rest.</summary>
    private void FlushPrefix(int slot)
    {
        var text = _slots[slot].AsSpan(0, _lengths[slot]);
        var cut = text.LastIndexOfAny(' ', '\n');
        if (cut <= 0)
        {
            cut = text.Length;
        }

        _counted += _tokenizer!.CountTokens(text[..cut]);
        text[cut..].CopyTo(text);
        _lengths[slot] = text.Length - cut;
    }
}
