using System.Text;
using System.Text.Json;
using AspireAoai.Api.Caching;
using AspireAoai.Api.Parsing;

namespace AspireAoai.Api.Tests.Caching;

public sealed class StreamingTests
{
    private const string Completion = """
        {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o-2024-11-20","system_fingerprint":"fp_1",
         "choices":[{"index":0,"message":{"role":"assistant","content":"Four, \"exactly\" — ünïcode ✓\nline two","refusal":null},"logprobs":null,"finish_reason":"stop"}],
         "usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19}}
        """;

    private static List<JsonElement> Events(byte[] sse, out bool done)
    {
        var events = new List<JsonElement>();
        done = false;
        foreach (var block in Encoding.UTF8.GetString(sse).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.StartsWith("data: ", block, StringComparison.Ordinal);
            var data = block[6..];
            if (data == "[DONE]")
            {
                done = true;
                continue;
            }

            Assert.False(done, "an event came after [DONE]");
            events.Add(JsonDocument.Parse(data).RootElement.Clone());
        }

        return events;
    }

    [Fact]
    public void Replay_WritesRoleContentAndFinishChunks_ThenUsage_ThenDone()
    {
        var events = Events(SseReplay.Build(Encoding.UTF8.GetBytes(Completion), includeUsage: true), out var done);

        Assert.True(done);
        Assert.Equal(4, events.Count);
        Assert.All(events, e =>
        {
            Assert.Equal("chat.completion.chunk", e.GetProperty("object").GetString());
            Assert.Equal("chatcmpl-1", e.GetProperty("id").GetString());
            Assert.Equal(1700000000, e.GetProperty("created").GetInt64());
            Assert.Equal("gpt-4o-2024-11-20", e.GetProperty("model").GetString());
        });
        Assert.Equal("assistant", events[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        Assert.Equal("Four, \"exactly\" — ünïcode ✓\nline two", events[1].GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString());
        Assert.Equal("stop", events[2].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(JsonValueKind.Null, events[2].GetProperty("usage").ValueKind);
        Assert.Equal(0, events[3].GetProperty("choices").GetArrayLength());
        Assert.Equal(19, events[3].GetProperty("usage").GetProperty("total_tokens").GetInt32());
    }

    [Fact]
    public void Replay_LeavesUsageOut_WhenTheClientDidNotAskForIt()
    {
        var events = Events(SseReplay.Build(Encoding.UTF8.GetBytes(Completion), includeUsage: false), out var done);

        Assert.True(done);
        Assert.Equal(3, events.Count);
        Assert.All(events, e => Assert.False(e.TryGetProperty("usage", out _)));
    }

    [Fact]
    public void Assemble_OfAReplay_GivesBackTheSameAnswer()
    {
        var sse = SseReplay.Build(Encoding.UTF8.GetBytes(Completion), includeUsage: true);

        var body = StreamAssembler.Assemble(sse, out var reason);

        Assert.Null(reason);
        using var original = JsonDocument.Parse(Completion);
        using var rebuilt = JsonDocument.Parse(body!);
        var a = original.RootElement;
        var b = rebuilt.RootElement;
        Assert.Equal("chat.completion", b.GetProperty("object").GetString());
        foreach (var name in new[] { "id", "model", "system_fingerprint" })
        {
            Assert.Equal(a.GetProperty(name).GetString(), b.GetProperty(name).GetString());
        }

        Assert.Equal(a.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(),
            b.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("stop", b.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(a.GetProperty("usage").GetRawText().Replace(" ", ""), b.GetProperty("usage").GetRawText());
        Assert.Null(AnswerInspector.Check(body, OperationKind.ChatCompletions, cacheToolCalls: false, out var usage));
        Assert.Equal(new AnswerUsage(12, 7), usage);
    }

    [Fact]
    public void Assemble_ConcatenatesDeltasAndToolCallArguments_AcrossChunksSplitAnywhere()
    {
        const string sse = """
            data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}]}

            data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}

            data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get","arguments":"{\"a\""}}]},"finish_reason":null}]}

            data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":":1}"}}]},"finish_reason":null}]}

            data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}

            data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7}}

            data: [DONE]


            """;

        var body = StreamAssembler.Assemble(Encoding.UTF8.GetBytes(sse.Replace("\n", "\r\n")), out var reason);

        Assert.Null(reason);
        using var doc = JsonDocument.Parse(body!);
        var call = doc.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("tool_calls")[0];
        Assert.Equal("call_1", call.GetProperty("id").GetString());
        Assert.Equal("get", call.GetProperty("function").GetProperty("name").GetString());
        Assert.Equal("{\"a\":1}", call.GetProperty("function").GetProperty("arguments").GetString());
        Assert.True(doc.RootElement.TryGetProperty("prompt_filter_results", out _));
        Assert.Equal("tool_calls", AnswerInspector.Check(body, OperationKind.ChatCompletions, cacheToolCalls: false, out _));
        Assert.Null(AnswerInspector.Check(body, OperationKind.ChatCompletions, cacheToolCalls: true, out _));

        // And a replay of it gives the tool call back with its index.
        var replay = Events(SseReplay.Build(body!, includeUsage: false), out _);
        var replayedCall = replay[2].GetProperty("choices")[0].GetProperty("delta").GetProperty("tool_calls")[0];
        Assert.Equal(0, replayedCall.GetProperty("index").GetInt32());
        Assert.Equal("{\"a\":1}", replayedCall.GetProperty("function").GetProperty("arguments").GetString());
    }

    [Fact]
    public void Assemble_RefusesAStreamWithoutDone()
    {
        var sse = Encoding.UTF8.GetString(SseReplay.Build(Encoding.UTF8.GetBytes(Completion), includeUsage: true)).Replace("data: [DONE]\n\n", "");
        Assert.Null(StreamAssembler.Assemble(Encoding.UTF8.GetBytes(sse), out var reason));
        Assert.Equal("incomplete_stream", reason);
    }

    [Fact]
    public void Assemble_OfAStreamWithoutUsage_GivesABodyWithoutUsage_MarkedAsSuch()
    {
        var body = StreamAssembler.Assemble(SseReplay.Build(Encoding.UTF8.GetBytes(Completion), includeUsage: false), out var reason);

        Assert.Null(reason);
        using var doc = JsonDocument.Parse(body!);
        Assert.False(doc.RootElement.TryGetProperty("usage", out _));
        Assert.Null(AnswerInspector.Check(body, OperationKind.ChatCompletions, cacheToolCalls: false, out var usage));
        Assert.False(usage.Known);
    }

    [Fact]
    public void Assemble_RefusesAStreamWithLogprobs()
    {
        const string sse = "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"},\"logprobs\":{\"content\":[]},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1}}\n\ndata: [DONE]\n\n";
        Assert.Null(StreamAssembler.Assemble(Encoding.UTF8.GetBytes(sse), out var reason));
        Assert.Equal("logprobs", reason);
    }

    [Theory]
    [InlineData("""{"choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":"content_filter"}]}""", "finish_reason")]
    [InlineData("""{"choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":null}]}""", "finish_reason")]
    [InlineData("""{"choices":[]}""", "no_choices")]
    [InlineData("""{"error":{"message":"m","type":"t","code":"c","param":null}}""", "error")]
    [InlineData("""{"choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":"stop"}""", "invalid_body")]
    [InlineData("""{"choices":[{"index":0,"message":{"role":"assistant","content":"x"},"finish_reason":"length"}]}""", null)]
    public void Check_StoresOnlyAnswersThatFinishedWithStopOrLength(string body, string? expected)
        => Assert.Equal(expected, AnswerInspector.Check(Encoding.UTF8.GetBytes(body), OperationKind.ChatCompletions, cacheToolCalls: false, out _));

    [Fact]
    public void Check_AcceptsEmbeddingsAndReadsTheirUsage()
    {
        var body = """{"object":"list","data":[{"object":"embedding","index":0,"embedding":[0.1,0.2]}],"model":"e","usage":{"prompt_tokens":5,"total_tokens":5}}"""u8;
        Assert.Null(AnswerInspector.Check(body, OperationKind.Embeddings, cacheToolCalls: false, out var usage));
        Assert.Equal(new AnswerUsage(5, 0), usage);
        Assert.Equal("no_data", AnswerInspector.Check("""{"object":"list","data":[]}"""u8, OperationKind.Embeddings, false, out _));
    }
}
