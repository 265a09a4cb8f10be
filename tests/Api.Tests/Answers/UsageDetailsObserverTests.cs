using System.Text;
using AspireAoai.Api.Answers;

namespace AspireAoai.Api.Tests.Answers;

/// <summary>The usage details the observer reads for pricing and the usage event: reasoning and audio tokens.</summary>
public sealed class UsageDetailsObserverTests
{
    private const string AudioAndReasoning = """
        {"id":"chatcmpl-2","object":"chat.completion","model":"gpt-4o-audio-preview-2024-12-17",
         "choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],
         "usage":{"prompt_tokens":120,"completion_tokens":80,"total_tokens":200,
           "prompt_tokens_details":{"cached_tokens":0,"audio_tokens":90},
           "completion_tokens_details":{"reasoning_tokens":30,"audio_tokens":40,"accepted_prediction_tokens":0}}}
        """;

    [Fact]
    public void ReasoningAndAudioTokens_AreRead_FromTheUsageDetails_WhereverTheBodyIsSplit()
    {
        var bytes = Encoding.UTF8.GetBytes(AudioAndReasoning);
        for (var split = 1; split < bytes.Length; split += 7)
        {
            using var observer = new ResponseObserver();
            observer.FeedJson(bytes.AsSpan(0, split));
            observer.FeedJson(bytes.AsSpan(split));
            Assert.Equal((120, 80, 90, 40, 30), (observer.InputTokens, observer.OutputTokens, observer.AudioInputTokens, observer.AudioOutputTokens, observer.ReasoningTokens));
        }
    }

    [Fact]
    public void TheStreamsUsageChunk_CarriesTheDetailsToo()
    {
        const string Chunk = """
            data: {"id":"c","object":"chat.completion.chunk","model":"o4-mini","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":50,"completion_tokens_details":{"reasoning_tokens":45}}}


            """;
        using var observer = new ResponseObserver();
        observer.FeedSse(Encoding.UTF8.GetBytes(Chunk));
        Assert.Equal(45, observer.ReasoningTokens);
        Assert.Equal(50, observer.OutputTokens);
    }
}
