using System.Text;
using AspireAoai.Api.Caching;
using AspireAoai.Api.Parsing;

namespace AspireAoai.Api.Tests.Caching;

public sealed class CacheKeyTests
{
    private static string Key(string json, string pool = "gpt-4o", OperationKind operation = OperationKind.ChatCompletions)
        => CacheKey.Compute(operation, pool, Encoding.UTF8.GetBytes(json));

    private const string Base = """{"model":"gpt-4o","messages":[{"role":"user","content":"What is 2+2?"}],"temperature":0,"max_tokens":20}""";

    [Fact]
    public void Compute_IsLowercaseHexSha256()
        => Assert.Matches("^[0-9a-f]{64}$", Key(Base));

    [Fact]
    public void Compute_IgnoresKeyOrderAndWhitespace()
        => Assert.Equal(Key(Base), Key("""
            { "max_tokens" : 20, "temperature": 0,
              "messages": [ { "content": "What is 2+2?", "role": "user" } ], "model": "gpt-4o" }
            """));

    [Fact]
    public void Compute_IgnoresFieldsThatDoNotChangeTheAnswer()
        => Assert.Equal(Key(Base), Key("""
            {"model":"gpt-4o","messages":[{"role":"user","content":"What is 2+2?"}],"temperature":0,"max_tokens":20,
             "stream":true,"stream_options":{"include_usage":true},"user":"alice","store":false,"metadata":{"a":"b"}}
            """));

    [Fact]
    public void Compute_NormalisesEquivalentNumbersAndEscapes()
        => Assert.Equal(Key(Base), Key("""{"model":"gpt-4o","messages":[{"role":"user","content":"What is 2\u002B2?"}],"temperature":0.0,"max_tokens":2e1}"""));

    [Fact]
    public void Compute_UsesThePoolsModel_NotTheNameInTheBody()
    {
        Assert.Equal(Key(Base), Key(Base.Replace("\"gpt-4o\"", "\"my-alias\"")));
        Assert.NotEqual(Key(Base, pool: "gpt-4o"), Key(Base, pool: "gpt-4o-mini"));
    }

    [Theory]
    [InlineData("What is 2+3?", "0", "20")]
    [InlineData("What is 2+2?", "0.2", "20")]
    [InlineData("What is 2+2?", "0", "21")]
    public void Compute_DiffersWhenAnythingThatShapesTheAnswerDiffers(string content, string temperature, string maxTokens)
        => Assert.NotEqual(Key(Base), Key($$"""{"model":"gpt-4o","messages":[{"role":"user","content":"{{content}}"}],"temperature":{{temperature}},"max_tokens":{{maxTokens}}}"""));

    [Fact]
    public void Compute_DiffersForNestedKeyContentAndForTheOperation()
    {
        Assert.NotEqual(Key(Base), Key(Base.Replace("\"role\":\"user\"", "\"role\":\"system\"")));
        Assert.NotEqual(Key("""{"input":"x"}""", operation: OperationKind.Embeddings), Key("""{"input":"x"}""", operation: OperationKind.ChatCompletions));
    }

    [Fact]
    public void Compute_KeepsLargeIntegersExact()
        => Assert.NotEqual(Key("""{"messages":[],"seed":9007199254740993}"""), Key("""{"messages":[],"seed":9007199254740992}"""));

    [Fact]
    public void Compute_OnlyDropsIgnoredFieldsAtTheTopLevel()
        => Assert.NotEqual(
            Key("""{"messages":[{"role":"user","content":"x","user":"a"}]}"""),
            Key("""{"messages":[{"role":"user","content":"x","user":"b"}]}"""));

    [Fact]
    public void Compute_ForABodySeenBefore_IsTheCanonicalKey_AndAReusedBufferDoesNotChangeIt()
    {
        // The memo keeps a copy: the gateway's bodies live in pooled buffers the next request writes over.
        var buffer = Encoding.UTF8.GetBytes(Base);
        var first = CacheKey.Compute(OperationKind.ChatCompletions, "gpt-4o", buffer);
        Encoding.UTF8.GetBytes(Base.Replace("2+2", "3+3"), buffer);

        Assert.Equal(CacheKey.ComputeCanonical(OperationKind.ChatCompletions, "gpt-4o", buffer),
            CacheKey.Compute(OperationKind.ChatCompletions, "gpt-4o", buffer));
        Assert.NotEqual(first, CacheKey.Compute(OperationKind.ChatCompletions, "gpt-4o", buffer));
        Assert.Equal(first, Key(Base));
    }

    [Fact]
    public void Compute_ForABodyTooLongToRemember_IsStillTheCanonicalKey()
    {
        var longBody = $$"""{"messages":[{"role":"user","content":"{{new string('x', CacheKeyMemo.MaxLength)}}"}]}""";

        Assert.Equal(CacheKey.ComputeCanonical(OperationKind.ChatCompletions, "gpt-4o", Encoding.UTF8.GetBytes(longBody)), Key(longBody));
    }
}
