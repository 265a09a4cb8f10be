using AspireAoai.Simulator.Responses;

namespace AspireAoai.Simulator.Tests.Responses;

public sealed class IdsTests
{
    [Fact]
    public void CallIds_AreCallAnd24LettersOrDigits_EveryTime()
    {
        // A base64-derived id came out short (and threw, a 500) about once in 30 calls; 10,000 draws would see it.
        for (var i = 0; i < 10_000; i++)
        {
            var id = Ids.NewCallId();
            Assert.StartsWith("call_", id, StringComparison.Ordinal);
            Assert.Equal(29, id.Length);
            Assert.All(id[5..], c => Assert.True(char.IsAsciiLetterOrDigit(c), id));
        }
    }
}
