using System.Text;
using AspireAoai.Api.Forwarding;
using AspireAoai.Api.Parsing;

namespace AspireAoai.Api.Tests.Usage;

public sealed class StreamUsageRequestTests
{
    private static string Rewrite(string body)
    {
        var result = StreamUsageRequest.Rewrite(Encoding.UTF8.GetBytes(body));
        Assert.NotNull(result);
        var (buffer, length) = result.Value;
        try
        {
            return Encoding.UTF8.GetString(buffer, 0, length);
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    [Fact]
    public void WithoutStreamOptions_InsertsThemRightAfterTheOpeningBrace_AndKeepsEveryOtherByte()
    {
        const string body = "  {\"messages\":[{\"role\":\"user\",\"content\":\"hi {\\\"x\\\"}\"}],  \"stream\" : true }";
        Assert.Equal("  {\"stream_options\":{\"include_usage\":true},\"messages\":[{\"role\":\"user\",\"content\":\"hi {\\\"x\\\"}\"}],  \"stream\" : true }",
            Rewrite(body));
    }

    [Theory]
    [InlineData("{\"stream\":true,\"stream_options\":{}}", "{\"stream\":true,\"stream_options\":{\"include_usage\":true}}")]
    [InlineData("{\"stream\":true,\"stream_options\":null}", "{\"stream\":true,\"stream_options\":{\"include_usage\":true}}")]
    [InlineData("{\"stream_options\": {\"include_usage\": false, \"x\" : [1, {\"a\":2}]}, \"stream\":true}",
        "{\"stream_options\": {\"include_usage\":true,\"x\" : [1, {\"a\":2}]}, \"stream\":true}")]
    [InlineData("{\"stream_options\":{\"y\":\"s\",\"include_usage\":null},\"stream\":true}",
        "{\"stream_options\":{\"include_usage\":true,\"y\":\"s\"},\"stream\":true}")]
    public void AnExistingStreamOptionsObject_IsRebuiltWithIncludeUsage_ItsOtherMembersCopied(string body, string expected)
        => Assert.Equal(expected, Rewrite(body));

    [Fact]
    public void TheRewrittenBody_ParsesWithIncludeUsage()
    {
        var rewritten = Rewrite("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true,\"stream_options\":{\"other\":1}}");
        Assert.True(RequestParser.TryParse(Encoding.UTF8.GetBytes(rewritten), OperationKind.ChatCompletions, out var parsed, out _));
        Assert.True(parsed.Stream);
        Assert.True(parsed.IncludeUsage);
    }

    [Theory]
    [InlineData("2024-10-21", true)]
    [InlineData("2024-08-01-preview", true)]
    [InlineData("2025-04-01-preview", true)]
    [InlineData("2024-06-01", false)]
    [InlineData("2024-02-15-preview", false)]
    [InlineData("v1", true)]
    public void OnlyApiVersionsThatKnowStreamOptions_GetThem(string apiVersion, bool supported)
        => Assert.Equal(supported, StreamUsageRequest.Supports(apiVersion));

    [Fact]
    public void OnlyStreamedChatWithoutIncludeUsage_IsRewritten()
    {
        Assert.True(StreamUsageRequest.ShouldInject(OperationKind.ChatCompletions, new ParsedRequest { Stream = true }, "2024-10-21"));
        Assert.False(StreamUsageRequest.ShouldInject(OperationKind.ChatCompletions, new ParsedRequest { Stream = true, IncludeUsage = true }, "2024-10-21"));
        Assert.False(StreamUsageRequest.ShouldInject(OperationKind.ChatCompletions, new ParsedRequest { Stream = false }, "2024-10-21"));
        Assert.False(StreamUsageRequest.ShouldInject(OperationKind.Embeddings, new ParsedRequest { Stream = true }, "2024-10-21"));
    }
}
