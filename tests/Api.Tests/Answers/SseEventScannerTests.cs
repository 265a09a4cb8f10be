using System.Text;
using AspireAoai.Api.Answers;

namespace AspireAoai.Api.Tests.Answers;

public sealed class SseEventScannerTests
{
    /// <summary>Event end offsets (in the whole input) when <paramref name="input"/> is fed in pieces of <paramref name="piece"/> bytes.</summary>
    private static List<int> Ends(string input, int piece)
    {
        var bytes = Encoding.UTF8.GetBytes(input);
        var scanner = default(SseEventScanner);
        var ends = new List<int>();
        for (var offset = 0; offset < bytes.Length; offset += piece)
        {
            var chunk = bytes.AsSpan(offset, Math.Min(piece, bytes.Length - offset));
            var position = 0;
            int end;
            while ((end = scanner.NextEventEnd(chunk[position..])) >= 0)
            {
                position += end;
                ends.Add(offset + position);
            }
        }

        return ends;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(1000)]
    public void FindsEveryEventEnd_HoweverTheStreamIsSplit(int piece)
    {
        const string input = "data: {\"a\":1}\n\ndata: {\"b\":2}\r\n\r\n: comment\ndata: x\n\ndata: [DONE]\n\n";
        Assert.Equal([15, 32, 51, 65], Ends(input, piece));
    }

    [Fact]
    public void AnUnterminatedEvent_HasNoEnd()
        => Assert.Empty(Ends("data: {\"a\":1}\ndata: more", 4));
}
