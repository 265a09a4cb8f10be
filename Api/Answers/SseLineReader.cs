namespace AspireAoai.Api.Answers;

/// <summary>
/// Splits server-sent event bytes into lines, ending at <c>\n</c> or <c>\r\n</c> (the line is given without its
/// end), without copying or allocating: each line is a slice of the input. A line whose end has not arrived yet is
/// left in <see cref="Rest"/> for the caller to keep and read again with the next bytes, unless the input was marked
/// final, in which case it is the last line. Every place in the gateway that reads SSE lines reads them here, so
/// they all agree on where a line ends.
/// </summary>
internal ref struct SseLineReader
{
    private readonly ReadOnlySpan<byte> _data;
    private readonly bool _isFinalBlock;
    private int _consumed;

    /// <param name="data">The bytes to split.</param>
    /// <param name="isFinalBlock">True when no bytes follow <paramref name="data"/>: an unterminated last line is then a line.</param>
    public SseLineReader(ReadOnlySpan<byte> data, bool isFinalBlock = false)
    {
        _data = data;
        _isFinalBlock = isFinalBlock;
    }

    /// <summary>How many bytes the lines read so far took, ends included.</summary>
    public readonly int Consumed => _consumed;

    /// <summary>The bytes after the last line read: the start of a line whose end has not arrived.</summary>
    public readonly ReadOnlySpan<byte> Rest => _data[_consumed..];

    /// <summary>The next line, without its <c>\n</c> or <c>\r\n</c>; false when no complete line is left.</summary>
    public bool TryReadLine(out ReadOnlySpan<byte> line)
    {
        var rest = _data[_consumed..];
        var newline = rest.IndexOf((byte)'\n');
        if (newline >= 0)
        {
            line = rest[..newline];
            _consumed += newline + 1;
        }
        else if (_isFinalBlock && !rest.IsEmpty)
        {
            line = rest;
            _consumed = _data.Length;
        }
        else
        {
            line = default;
            return false;
        }

        if (!line.IsEmpty && line[^1] == (byte)'\r')
        {
            line = line[..^1];
        }

        return true;
    }

    /// <summary>
    /// The value of a <c>data:</c> line (one leading space removed, as the SSE format says); false for any other
    /// line (comments, <c>event:</c>, <c>id:</c>, blank lines).
    /// </summary>
    public static bool TryGetData(ReadOnlySpan<byte> line, out ReadOnlySpan<byte> value)
    {
        if (!line.StartsWith("data:"u8))
        {
            value = default;
            return false;
        }

        value = line[5..];
        if (!value.IsEmpty && value[0] == (byte)' ')
        {
            value = value[1..];
        }

        return true;
    }
}
