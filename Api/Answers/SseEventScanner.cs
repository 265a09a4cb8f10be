namespace AspireAoai.Api.Answers;

/// <summary>
/// Finds where server-sent events end (a blank line: <c>\n\n</c> or <c>\r\n\r\n</c>) in a stream read in arbitrary
/// pieces, reading lines with <see cref="SseLineReader"/>. It keeps one bit of state between pieces, whether the
/// current line has content, so a boundary split across two reads is found.
/// </summary>
internal struct SseEventScanner
{
    private bool _lineHasContent;

    /// <summary>
    /// The offset just past the first event end in <paramref name="data"/>, or -1 when the data ends inside an event
    /// (all of it is then consumed). Call again with the rest after a boundary.
    /// </summary>
    public int NextEventEnd(ReadOnlySpan<byte> data)
    {
        var lines = new SseLineReader(data);
        while (lines.TryReadLine(out var line))
        {
            var blank = !_lineHasContent && line.IndexOfAnyExcept((byte)'\r') < 0;
            _lineHasContent = false;
            if (blank)
            {
                return lines.Consumed;
            }
        }

        if (lines.Rest.IndexOfAnyExcept((byte)'\r') >= 0)
        {
            _lineHasContent = true;
        }

        return -1;
    }
}
