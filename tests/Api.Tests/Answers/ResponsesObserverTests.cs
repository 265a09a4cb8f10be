using System.Text;
using AspireAoai.Api.Answers;
using AspireAoai.Api.RateLimiting;

namespace AspireAoai.Api.Tests.Answers;

/// <summary>The response observer reads the Responses API's shapes: its usage, ids, and the text a stream relayed.</summary>
public sealed class ResponsesObserverTests
{
    private const string Usage = """
        "usage":{"input_tokens":21,"input_tokens_details":{"cached_tokens":5},"output_tokens":30,"output_tokens_details":{"reasoning_tokens":12},"total_tokens":51}
        """;

    [Fact]
    public void JsonResponse_YieldsIdModelUsageAndReasoningTokens()
    {
        using var observer = new ResponseObserver();
        observer.FeedJson(Encoding.UTF8.GetBytes($$"""
            {"id":"resp_abc","object":"response","created_at":1,"status":"completed","model":"gpt-4o-2024-11-20",
             "output":[{"type":"message","id":"msg_1","role":"assistant","content":[{"type":"output_text","text":"hi","annotations":[]}]}],
             "error":null,"incomplete_details":null,{{Usage}}}
            """));
        Assert.Equal("resp_abc", observer.ResponseId);
        Assert.Equal("gpt-4o-2024-11-20", observer.ResponseModel);
        Assert.Equal(21, observer.InputTokens);
        Assert.Equal(5, observer.CachedInputTokens);
        Assert.Equal(30, observer.OutputTokens);
        Assert.Equal(12, observer.ReasoningTokens);
        Assert.Empty(observer.FinishReasons);
    }

    [Fact]
    public void Stream_TakesTheIdFromResponseCreated_AndUsageFromResponseCompleted_CountingTheRelayedText()
    {
        using var observer = new ResponseObserver();
        observer.CountOutput(TokenEstimator.ForModel("gpt-4o"));
        var sse = $$$"""
            event: response.created
            data: {"type":"response.created","sequence_number":0,"response":{"id":"resp_s1","object":"response","status":"in_progress","model":"gpt-4o","output":[],"usage":null}}

            event: response.output_text.delta
            data: {"type":"response.output_text.delta","sequence_number":3,"item_id":"msg_1","output_index":0,"content_index":0,"delta":"Hello there"}

            event: response.output_text.delta
            data: {"type":"response.output_text.delta","sequence_number":4,"item_id":"msg_1","output_index":0,"content_index":0,"delta":", friend."}

            event: response.reasoning_summary_text.delta
            data: {"type":"response.reasoning_summary_text.delta","sequence_number":5,"delta":"not counted at all, this text"}

            event: response.completed
            data: {"type":"response.completed","sequence_number":9,"response":{"id":"resp_s1","object":"response","status":"completed","model":"gpt-4o","output":[{"type":"message","content":[{"type":"output_text","text":"Hello there, friend."}]}],{{{Usage}}}}}


            """;
        observer.FeedSse(Encoding.UTF8.GetBytes(sse));
        Assert.Equal("resp_s1", observer.ResponseId);
        Assert.Equal(21, observer.InputTokens);
        Assert.Equal(30, observer.OutputTokens);
        Assert.Equal(5, observer.CachedInputTokens);
        Assert.Equal(12, observer.ReasoningTokens);
        Assert.Equal(TokenEstimator.ForModel("gpt-4o").CountTokens("Hello there, friend."), observer.CountedOutputTokens());
    }

    [Fact]
    public void IncompleteResponse_ReportsItsReason_AndAContentFilterStopAsFiltered()
    {
        using var observer = new ResponseObserver();
        observer.FeedJson(Encoding.UTF8.GetBytes("""
            {"id":"resp_f","object":"response","status":"incomplete","incomplete_details":{"reason":"content_filter"},"model":"gpt-4o","output":[]}
            """));
        Assert.Equal(["content_filter"], observer.FinishReasons);
        Assert.True(observer.CompletionFiltered);
    }
}
