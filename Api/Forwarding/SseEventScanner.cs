namespace AspireAoai.Api.Forwarding;

/// <summary>
/// Finds where server-sent events end (a blank line: <c>\n\n</c> or <c>\r\n\r\n</c>) in a stream read in arbitrary
/// pieces. It keeps one bit of state between pieces, whether the current line has content, so a boundary split
/// across two reads is found.
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
        var position = 0;
        while (true)
        {
            var newline = data[position..].IndexOf((byte)'\n');
            if (newline < 0)
            {
                if (data[position..].IndexOfAnyExcept((byte)'\r') >= 0)
                {
                    _lineHasContent = true;
                }

                return -1;
            }

            var line = data.Slice(position, newline);
            var blank = !_lineHasContent && line.IndexOfAnyExcept((byte)'\r') < 0;
            _lineHasContent = false;
            position += newline + 1;
            if (blank)
            {
                return position;
            }
        }
    }
}
