using System.Text;
using AspireAoai.Api.Caching;
using AspireAoai.Api.Parsing;

namespace AspireAoai.Api.Tests.Caching;

public sealed class AnswerUsageTests
{
    private static AnswerUsage UsageOf(string usage)
    {
        var body = $$"""{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]{{usage}}}""";
        Assert.Null(AnswerInspector.Check(Encoding.UTF8.GetBytes(body), OperationKind.ChatCompletions, cacheToolCalls: false, out var read));
        return read;
    }

    [Fact]
    public void AnAnswerWithUsage_SavesItsPromptCompletionAndCachedTokens()
    {
        var usage = UsageOf(""","usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19,"prompt_tokens_details":{"cached_tokens":4}}""");
        Assert.Equal(new AnswerUsage(12, 7) { CachedInputTokens = 4 }, usage);
    }

    [Fact]
    public void AnAnswerWithoutUsage_HasUnknownUsage_AndAnEmptyUsageObjectIsKnownZero()
    {
        Assert.Equal(new AnswerUsage(0, 0, Known: false), UsageOf(""));
        Assert.Equal(new AnswerUsage(0, 0, Known: false), UsageOf(""","usage":null"""));
        Assert.Equal(new AnswerUsage(0, 0), UsageOf(""","usage":{}"""));
    }

    [Fact]
    public void NegativeCounts_CountAsZero_AndCachedTokensNeverExceedThePrompt()
    {
        Assert.Equal(new AnswerUsage(0, 0), UsageOf(""","usage":{"prompt_tokens":-3,"completion_tokens":-1}"""));
        Assert.Equal(new AnswerUsage(5, 1) { CachedInputTokens = 5 },
            UsageOf(""","usage":{"prompt_tokens":5,"completion_tokens":1,"prompt_tokens_details":{"cached_tokens":9}}"""));
    }
}
