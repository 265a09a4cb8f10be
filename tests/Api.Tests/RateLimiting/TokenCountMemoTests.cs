using AspireAoai.Api.RateLimiting;

namespace AspireAoai.Api.Tests.RateLimiting;

/// <summary>The memo of token counts: a hit must be the tokenizer's own count for that very text.</summary>
public sealed class TokenCountMemoTests
{
    private static readonly Microsoft.ML.Tokenizers.Tokenizer O200k = TokenEstimator.ForModel("gpt-4o");
    private static readonly Microsoft.ML.Tokenizers.Tokenizer Cl100k = TokenEstimator.ForModel("gpt-4");

    [Fact]
    public void TextsSharingASlot_EachGetTheirOwnCount_AgainAndAgain()
    {
        var memo = new TokenCountMemo();
        var first = "You are a helpful assistant that answers in French.";
        // Find texts whose slot is the first's, so they replace each other in the same entry.
        var sameSlot = Enumerable.Range(0, 100_000)
            .Select(i => $"Summarise ticket {i} in two short sentences, please, for the on-call engineer.")
            .Where(t => (string.GetHashCode(t.AsSpan()) & (TokenCountMemo.Slots - 1)) == (string.GetHashCode(first.AsSpan()) & (TokenCountMemo.Slots - 1)))
            .Take(3)
            .ToList();
        Assert.Equal(3, sameSlot.Count);

        for (var round = 0; round < 3; round++)
        {
            foreach (var text in sameSlot.Prepend(first))
            {
                Assert.Equal(O200k.CountTokens(text), memo.Count(O200k, text));
                Assert.Equal(O200k.CountTokens(text), memo.Count(O200k, text));
            }
        }
    }

    [Fact]
    public void OneText_CountedByTwoTokenizers_KeepsTheirCountsApart()
    {
        var memo = new TokenCountMemo();
        // Non-English text tokenizes differently in o200k_base and cl100k_base.
        var text = "Ces réponses doivent être concises : 这些回答应该简洁明了，并且准确无误。";
        Assert.NotEqual(O200k.CountTokens(text), Cl100k.CountTokens(text));
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(O200k.CountTokens(text), memo.Count(O200k, text));
            Assert.Equal(Cl100k.CountTokens(text), memo.Count(Cl100k, text));
        }
    }

    [Fact]
    public void ShortAndHugeTexts_OutsideTheMemo_AreCountedExactly()
    {
        var memo = new TokenCountMemo();
        var huge = string.Concat(Enumerable.Repeat("lorem ipsum dolor sit amet ", 400));
        Assert.True(huge.Length > TokenCountMemo.MaxLength);
        Assert.Equal(O200k.CountTokens(huge), memo.Count(O200k, huge));
        Assert.Equal(O200k.CountTokens("hi there"), memo.Count(O200k, "hi there"));
    }
}
