using System.Text;
using AspireAoai.Api.Parsing;

namespace AspireAoai.Api.Tests.Parsing;

public sealed class RequestParserTests
{
    private static bool Parse(string json, out ParsedRequest parsed, out RequestError error, OperationKind op = OperationKind.ChatCompletions)
        => RequestParser.TryParse(Encoding.UTF8.GetBytes(json), op, out parsed, out error);

    [Fact]
    public void Chat_ReadsTheFieldsTheGatewayNeeds_AndIgnoresUnknownOnes()
    {
        var json = """{"model":"gpt-4o","future_field":{"deep":[1,2,{"x":null}]},"messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true,"other":1},"max_tokens":50,"max_completion_tokens":40,"temperature":0.2,"seed":7,"n":2}""";

        Assert.True(Parse(json, out var parsed, out _));

        Assert.Equal("gpt-4o", parsed.Model);
        Assert.True(parsed.Stream);
        Assert.True(parsed.IncludeUsage);
        Assert.Equal(40, parsed.MaxTokens);
        Assert.Equal(0.2, parsed.Temperature);
        Assert.Equal(7, parsed.Seed);
        Assert.Equal(2, parsed.N);
    }

    [Theory]
    [InlineData("{\"messages\":[{\"role\":\"user\"}]", "invalid_json", null)]
    [InlineData("not json", "invalid_json", null)]
    [InlineData("[]", "invalid_json", null)]
    [InlineData("\"text\"", "invalid_json", null)]
    [InlineData("{\"messages\":[{\"role\":\"user\"}]} trailing", "invalid_json", null)]
    [InlineData("{\"messages\":[{\"role\":\"user\"}],}", "invalid_json", null)]
    [InlineData("{\"model\":\"gpt-4o\"}", "missing_required_parameter", "messages")]
    [InlineData("{\"messages\":[]}", "invalid_value", "messages")]
    [InlineData("{\"messages\":\"hello\"}", "invalid_value", "messages")]
    [InlineData("{\"messages\":[1]}", "invalid_value", "messages")]
    [InlineData("{\"messages\":[{}],\"model\":5}", "invalid_value", "model")]
    [InlineData("{\"messages\":[{}],\"stream\":\"yes\"}", "invalid_value", "stream")]
    [InlineData("{\"messages\":[{}],\"max_tokens\":-1}", "invalid_value", "max_tokens")]
    [InlineData("{\"messages\":[{}],\"max_tokens\":1.5}", "invalid_value", "max_tokens")]
    [InlineData("{\"messages\":[{}],\"temperature\":\"hot\"}", "invalid_value", "temperature")]
    [InlineData("{\"messages\":[{}],\"seed\":\"42\"}", "invalid_value", "seed")]
    [InlineData("{\"messages\":[{}],\"n\":-1}", "invalid_value", "n")]
    [InlineData("{\"messages\":[{}],\"max_completion_tokens\":true}", "invalid_value", "max_completion_tokens")]
    public void Chat_RejectsBadBodies_WithCodeAndParam(string json, string code, string? param)
    {
        Assert.False(Parse(json, out _, out var error));
        Assert.Equal(code, error.Code);
        Assert.Equal(param, error.Param);
        Assert.False(string.IsNullOrEmpty(error.Message));
    }

    [Fact]
    public void Chat_ANullValue_CountsAsNotGiven_EvenAfterAValue()
    {
        // The last of duplicate keys wins, as in most JSON parsers: a null there leaves the field unset.
        Assert.True(Parse("{\"messages\":[{}],\"temperature\":0,\"seed\":1,\"max_tokens\":5,\"temperature\":null,\"seed\":null,\"max_tokens\":null}",
            out var parsed, out _));
        Assert.Null(parsed.Temperature);
        Assert.Null(parsed.Seed);
        Assert.Null(parsed.MaxTokens);
    }

    [Fact]
    public void Chat_RejectsNestingDeeperThanTheLimit()
    {
        var json = "{\"messages\":[{}],\"x\":" + new string('[', 100) + new string(']', 100) + "}";
        Assert.False(Parse(json, out _, out var error));
        Assert.Equal("invalid_json", error.Code);
    }

    [Fact]
    public void Embeddings_RequireInput_StringOrArray()
    {
        Assert.True(Parse("{\"input\":\"hello\"}", out _, out _, OperationKind.Embeddings));
        Assert.True(Parse("{\"input\":[\"a\",\"b\"]}", out _, out _, OperationKind.Embeddings));
        Assert.False(Parse("{\"model\":\"x\"}", out _, out var missing, OperationKind.Embeddings));
        Assert.Equal("input", missing.Param);
        Assert.False(Parse("{\"input\":[]}", out _, out var empty, OperationKind.Embeddings));
        Assert.Equal("input", empty.Param);
        Assert.False(Parse("{\"input\":42}", out _, out _, OperationKind.Embeddings));
    }

    [Fact]
    public void Embeddings_NeverCountAsStreaming()
    {
        Assert.True(Parse("{\"input\":\"x\",\"stream\":true}", out var parsed, out _, OperationKind.Embeddings));
        Assert.False(parsed.Stream);
    }

    [Theory]
    [InlineData("application/json", true)]
    [InlineData("application/json; charset=utf-8", true)]
    [InlineData("Application/JSON", true)]
    [InlineData("text/plain", false)]
    [InlineData("application/jsonx", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void ContentType_MustBeJson(string? contentType, bool ok) => Assert.Equal(ok, RequestBodyReader.IsJson(contentType));
}
