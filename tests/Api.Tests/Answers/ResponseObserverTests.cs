using System.Text;
using AspireAoai.Api.Answers;

namespace AspireAoai.Api.Tests.Answers;

public sealed class ResponseObserverTests
{
    private const string Completion = """
        {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o-2024-11-20",
         "prompt_filter_results":[{"prompt_index":0,"content_filter_results":{"hate":{"filtered":false,"severity":"safe"},
           "jailbreak":{"filtered":false,"detected":false},"self_harm":{"filtered":false,"severity":"low"},
           "sexual":{"filtered":false,"severity":"safe"},"violence":{"filtered":false,"severity":"medium"}}}],
         "choices":[{"index":0,"message":{"role":"assistant","content":"The usage is {\"prompt_tokens\":999} \u00e9"},"finish_reason":"content_filter",
           "content_filter_results":{"hate":{"filtered":true,"severity":"high"},"violence":{"filtered":false,"severity":"safe"}}}],
         "usage":{"prompt_tokens":19,"completion_tokens":10,"total_tokens":29,"prompt_tokens_details":{"cached_tokens":3}}}
        """;

    [Fact]
    public void Json_WholeBody_YieldsModelUsageFinishReasonsAndVerdicts()
    {
        using var observer = new ResponseObserver();
        observer.FeedJson(Encoding.UTF8.GetBytes(Completion));
        AssertCompletion(observer);
    }

    [Fact]
    public void Json_SplitAtEveryByte_GivesTheSameResult()
    {
        var bytes = Encoding.UTF8.GetBytes(Completion);
        for (var split = 1; split < bytes.Length; split++)
        {
            using var observer = new ResponseObserver();
            observer.FeedJson(bytes.AsSpan(0, split));
            observer.FeedJson(bytes.AsSpan(split));
            AssertCompletion(observer);
        }
    }

    [Fact]
    public void Json_OneByteAtATime_GivesTheSameResult()
    {
        var bytes = Encoding.UTF8.GetBytes(Completion);
        using var observer = new ResponseObserver();
        for (var i = 0; i < bytes.Length; i++)
        {
            observer.FeedJson(bytes.AsSpan(i, 1));
        }

        AssertCompletion(observer);
    }

    [Fact]
    public void Rented_AfterDispose_ComesBackCleared_AndReusesTheLastModelName()
    {
        ResponseObserver first;
        string? model;
        using (first = ResponseObserver.Rent())
        {
            first.FeedJson(Encoding.UTF8.GetBytes(Completion));
            model = first.ResponseModel;
        }

        using (var error = ResponseObserver.Rent())
        {
            Assert.Same(first, error); // this thread's spare
            error.FeedJson(Encoding.UTF8.GetBytes("""{"error":{"code":"content_filter","message":"x","innererror":{"content_filter_result":{"hate":{"filtered":true,"severity":"high"}}}}}"""));
            Assert.Equal("content_filter", error.ErrorCode);
            Assert.Null(error.ResponseModel);
            Assert.Null(error.InputTokens);
            Assert.False(error.CompletionFiltered);
            Assert.Empty(error.FinishReasons);
            Assert.Equal([new ContentFilterVerdict("prompt", "hate", "high", true)], error.Verdicts);
            // Given back in the middle of a document: the next user must not continue it.
            error.FeedJson(Encoding.UTF8.GetBytes("""{"id":"half"""));
        }

        using var again = ResponseObserver.Rent();
        Assert.Same(first, again);
        again.FeedJson(Encoding.UTF8.GetBytes(Completion));
        AssertCompletion(again);
        Assert.Null(again.ErrorCode);
        Assert.Same(model, again.ResponseModel);
    }

    private static void AssertCompletion(ResponseObserver observer)
    {
        Assert.False(observer.Failed);
        Assert.Equal("chatcmpl-1", observer.ResponseId);
        Assert.Equal("gpt-4o-2024-11-20", observer.ResponseModel);
        Assert.Equal(19, observer.InputTokens);
        Assert.Equal(10, observer.OutputTokens);
        Assert.Equal(3, observer.CachedInputTokens);
        Assert.Equal(["content_filter"], observer.FinishReasons);
        Assert.True(observer.CompletionFiltered);
        Assert.Contains(new ContentFilterVerdict("prompt", "violence", "medium", false), observer.Verdicts);
        Assert.Contains(new ContentFilterVerdict("prompt", "self_harm", "low", false), observer.Verdicts);
        Assert.Contains(new ContentFilterVerdict("prompt", "jailbreak", "not_detected", false), observer.Verdicts);
        Assert.Contains(new ContentFilterVerdict("completion", "hate", "high", true), observer.Verdicts);
        // An unfiltered completion category is not news on every chunk.
        Assert.DoesNotContain(observer.Verdicts, v => v.Source == "completion" && v.Category == "violence");
    }

    private const string Stream =
        "data: {\"id\":\"\",\"object\":\"\",\"created\":0,\"model\":\"\",\"choices\":[],\"prompt_filter_results\":[{\"prompt_index\":0,\"content_filter_results\":{\"hate\":{\"filtered\":false,\"severity\":\"low\"}}}]}\n\n" +
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-2024-11-20\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n" +
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-2024-11-20\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo data: [DONE]\"},\"finish_reason\":\"stop\"}]}\r\n\r\n" +
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-2024-11-20\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":2,\"total_tokens\":14}}\n\n" +
        "data: [DONE]\n\n";

    [Fact]
    public void Sse_SplitAnywhere_YieldsUsageFinishReasonAndPromptVerdicts()
    {
        var bytes = Encoding.UTF8.GetBytes(Stream);
        for (var split = 1; split < bytes.Length; split += 7)
        {
            using var observer = new ResponseObserver();
            observer.FeedSse(bytes.AsSpan(0, split));
            observer.FeedSse(bytes.AsSpan(split));

            Assert.Equal("gpt-4o-2024-11-20", observer.ResponseModel);
            Assert.Equal(12, observer.InputTokens);
            Assert.Equal(2, observer.OutputTokens);
            Assert.Equal(["stop"], observer.FinishReasons);
            Assert.False(observer.CompletionFiltered);
            Assert.Equal([new ContentFilterVerdict("prompt", "hate", "low", false)], observer.Verdicts);
        }
    }

    [Fact]
    public void PromptFilterError_YieldsTheInnerErrorVerdicts()
    {
        const string error = """
            {"error":{"message":"The response was filtered","type":null,"param":"prompt","code":"content_filter","status":400,
             "innererror":{"code":"ResponsibleAIPolicyViolation","content_filter_result":{
               "hate":{"filtered":false,"severity":"safe"},"jailbreak":{"filtered":false,"detected":false},
               "self_harm":{"filtered":false,"severity":"safe"},"sexual":{"filtered":false,"severity":"safe"},
               "violence":{"filtered":true,"severity":"medium"}}}}}
            """;
        using var observer = new ResponseObserver();
        observer.FeedJson(Encoding.UTF8.GetBytes(error));

        Assert.Equal("content_filter", observer.ErrorCode);
        Assert.Contains(new ContentFilterVerdict("prompt", "violence", "medium", true), observer.Verdicts);
        Assert.Equal(5, observer.Verdicts.Count);
    }

    [Fact]
    public void Embeddings_UsageAfterLargeData_IsFound()
    {
        var data = string.Join(",", Enumerable.Range(0, 3072).Select(i => (i * 0.001).ToString("F6", System.Globalization.CultureInfo.InvariantCulture)));
        var body = $"{{\"object\":\"list\",\"data\":[{{\"object\":\"embedding\",\"index\":0,\"embedding\":[{data}]}}],\"model\":\"text-embedding-3-large\",\"usage\":{{\"prompt_tokens\":5,\"total_tokens\":5}}}}";
        var bytes = Encoding.UTF8.GetBytes(body);
        using var observer = new ResponseObserver();
        foreach (var chunk in bytes.Chunk(4096))
        {
            observer.FeedJson(chunk);
        }

        Assert.Equal("text-embedding-3-large", observer.ResponseModel);
        Assert.Equal(5, observer.InputTokens);
        Assert.Null(observer.OutputTokens);
    }

    [Fact]
    public void InvalidJson_MarksFailed_WithoutThrowing()
    {
        using var observer = new ResponseObserver();
        observer.FeedJson("{\"model\":\"x\",]"u8);
        Assert.True(observer.Failed);
        Assert.Equal("x", observer.ResponseModel);
    }
}
