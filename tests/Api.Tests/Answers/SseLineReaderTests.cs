using System.Text;
using AspireAoai.Api.Answers;

namespace AspireAoai.Api.Tests.Answers;

public sealed class SseLineReaderTests
{
    /// <summary>
    /// The lines of <paramref name="input"/> read as a relay reads them: in pieces of <paramref name="piece"/> bytes,
    /// keeping each piece's unfinished line and reading it again in front of the next piece.
    /// </summary>
    private static List<string> ReadInPieces(string input, int piece, bool finalBlock = false)
    {
        var bytes = Encoding.UTF8.GetBytes(input);
        var lines = new List<string>();
        var carry = Array.Empty<byte>();
        for (var offset = 0; offset < bytes.Length; offset += piece)
        {
            var next = bytes.AsSpan(offset, Math.Min(piece, bytes.Length - offset));
            var data = new byte[carry.Length + next.Length];
            carry.CopyTo(data, 0);
            next.CopyTo(data.AsSpan(carry.Length));
            var last = offset + piece >= bytes.Length;
            var reader = new SseLineReader(data, finalBlock && last);
            while (reader.TryReadLine(out var line))
            {
                lines.Add(Encoding.UTF8.GetString(line));
            }

            Assert.Equal(data.Length, reader.Consumed + reader.Rest.Length);
            carry = reader.Rest.ToArray();
        }

        return lines;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(1000)]
    public void LinesSplitAcrossReads_AreReadWhole(int piece)
        => Assert.Equal(["data: {\"a\":1}", "", "event: x", "data: [DONE]", ""], ReadInPieces("data: {\"a\":1}\n\nevent: x\ndata: [DONE]\n\n", piece));

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(1000)]
    public void CrLfEnds_AreRemovedWhole_EvenWhenTheCrAndLfArriveInDifferentReads(int piece)
        => Assert.Equal(["data: a", "", "data: b\rc", ""], ReadInPieces("data: a\r\n\r\ndata: b\rc\r\n\r\n", piece));

    [Fact]
    public void AnUnterminatedLastLine_WaitsInRest_UntilItsEndArrives()
    {
        var reader = new SseLineReader("data: a\ndata: b"u8);
        Assert.True(reader.TryReadLine(out var first));
        Assert.Equal("data: a", Encoding.UTF8.GetString(first));
        Assert.False(reader.TryReadLine(out _));
        Assert.Equal(8, reader.Consumed);
        Assert.Equal("data: b", Encoding.UTF8.GetString(reader.Rest));
    }

    [Fact]
    public void AnUnterminatedLastLine_IsALine_WhenTheInputIsFinal()
    {
        Assert.Equal(["data: a", "data: b"], ReadInPieces("data: a\ndata: b\r", 3, finalBlock: true));
        Assert.Equal(["data: a"], ReadInPieces("data: a\n", 3, finalBlock: true));
    }

    [Fact]
    public void NoBytes_GiveNoLines()
    {
        var reader = new SseLineReader(default, isFinalBlock: true);
        Assert.False(reader.TryReadLine(out _));
        Assert.Equal(0, reader.Consumed);
    }

    [Theory]
    [InlineData("data: {\"a\":1}", true, "{\"a\":1}")]
    [InlineData("data:{\"a\":1}", true, "{\"a\":1}")]
    [InlineData("data:  two spaces", true, " two spaces")]
    [InlineData("data:", true, "")]
    [InlineData(": a comment", false, "")]
    [InlineData("event: done", false, "")]
    [InlineData("", false, "")]
    public void DataValues_LoseTheFieldNameAndOneSpace(string line, bool isData, string value)
    {
        Assert.Equal(isData, SseLineReader.TryGetData(Encoding.UTF8.GetBytes(line), out var read));
        Assert.Equal(value, Encoding.UTF8.GetString(read));
    }
}
