using System.Text;
using AspireAoai.Api.Answers;
using AspireAoai.Api.RateLimiting;

namespace AspireAoai.Api.Tests.Answers;

/// <summary>
/// The completion tokens of a stream without a usage chunk, counted from the text it carried: content, refusals, and
/// the names and argument text of tool calls and legacy function calls, each choice on its own.
/// </summary>
public sealed class StreamedOutputCountTests
{
    private static readonly Microsoft.ML.Tokenizers.Tokenizer Tokenizer = TokenEstimator.ForModel("gpt-4o");

    private static string Event(string choice) =>
        $$"""data: {"id":"c","object":"chat.completion.chunk","model":"gpt-4o","choices":[{{choice}}]}""" + "\n\n";

    private static long Count(string sse, int splitEvery = 0)
    {
        using var observer = ResponseObserver.Rent();
        observer.CountOutput(Tokenizer);
        var bytes = Encoding.UTF8.GetBytes(sse);
        if (splitEvery <= 0)
        {
            observer.FeedSse(bytes);
        }
        else
        {
            for (var i = 0; i < bytes.Length; i += splitEvery)
            {
                observer.FeedSse(bytes.AsSpan(i, Math.Min(splitEvery, bytes.Length - i)));
            }
        }

        return observer.CountedOutputTokens();
    }

    [Fact]
    public void Content_IsCountedAsOneText_WhateverTheDeltasAndReads()
    {
        const string text = "Streaming answers are charged for what they carried, token by token \u00e9t\u00e9 \ud83d\ude80.";
        var sse = new StringBuilder(Event("""{"delta":{"role":"assistant","content":""},"index":0}"""));
        for (var i = 0; i < text.Length; i += 3)
        {
            var piece = text.Substring(i, Math.Min(3, text.Length - i));
            if (char.IsHighSurrogate(piece[^1]) && i + 3 < text.Length)
            {
                piece += text[i + 3];
                i++;
            }

            sse.Append(Event($$"""{"delta":{"content":{{System.Text.Json.JsonSerializer.Serialize(piece)}}},"finish_reason":null,"index":0}"""));
        }

        sse.Append("data: [DONE]\n\n");
        var expected = Tokenizer.CountTokens(text);
        Assert.Equal(expected, Count(sse.ToString()));
        Assert.Equal(expected, Count(sse.ToString(), splitEvery: 7));
    }

    [Fact]
    public void ToolCallNamesAndArguments_AreCounted()
    {
        var sse = Event("""{"delta":{"role":"assistant","tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]},"index":0}""")
            + Event("""{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\":"}}]},"index":0}""")
            + Event("""{"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\"Paris, France\",\"unit\":\"celsius\"}"}}]},"index":0}""")
            + "data: [DONE]\n\n";

        var expected = Tokenizer.CountTokens("get_weather" + "{\"city\":\"Paris, France\",\"unit\":\"celsius\"}");
        Assert.True(expected > 5);
        Assert.Equal(expected, Count(sse));
    }

    [Fact]
    public void LegacyFunctionCallsAndRefusals_AreCounted()
    {
        var sse = Event("""{"delta":{"function_call":{"name":"lookup","arguments":"{\"q\":\"gateway\"}"}},"index":0}""")
            + Event("""{"delta":{"refusal":"I cannot help with that."},"index":1}""");

        Assert.Equal(Tokenizer.CountTokens("lookup{\"q\":\"gateway\"}") + Tokenizer.CountTokens("I cannot help with that."), Count(sse));
    }

    [Fact]
    public void Choices_AreCountedApart_ThoughTheirIndexComesAfterTheDelta()
    {
        // Azure writes "index" after "delta"; interleaved choices must not run into each other.
        var sse = Event("""{"delta":{"content":"Hello"},"index":0}""")
            + Event("""{"delta":{"content":"world"},"index":1}""")
            + Event("""{"delta":{"content":" there"},"index":0}""")
            + Event("""{"delta":{"content":" again"},"index":1}""");

        Assert.Equal(Tokenizer.CountTokens("Hello there") + Tokenizer.CountTokens("world again"), Count(sse));
    }

    [Fact]
    public void ALongAnswer_IsCountedInPrefixes_WithinATokenPerCut()
    {
        var words = new StringBuilder();
        for (var i = 0; words.Length < OutputTokenCounter.FlushChars * 3; i++)
        {
            words.Append(i == 0 ? "word" : " word").Append(i % 97);
        }

        var text = words.ToString();
        var sse = new StringBuilder();
        for (var i = 0; i < text.Length; i += 40)
        {
            sse.Append(Event($$"""{"delta":{"content":{{System.Text.Json.JsonSerializer.Serialize(text.Substring(i, Math.Min(40, text.Length - i)))}}},"index":0}"""));
        }

        var expected = Tokenizer.CountTokens(text);
        Assert.InRange(Count(sse.ToString()), expected - 3, expected + 3);
    }

    [Fact]
    public void WithoutCountOutput_NothingIsCounted()
    {
        using var observer = ResponseObserver.Rent();
        observer.FeedSse(Encoding.UTF8.GetBytes(Event("""{"delta":{"content":"Hello"},"index":0}""")));
        Assert.Equal(0, observer.CountedOutputTokens());
    }
}
