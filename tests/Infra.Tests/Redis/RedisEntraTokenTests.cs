using AspireAoai.ServiceDefaults.Redis;

namespace AspireAoai.Infra.Tests.Redis;

public sealed class RedisEntraTokenTests
{
    [Fact]
    public void TryGetObjectId_ReadsTheOidClaim()
    {
        Assert.Equal("6a2b6c1e-0000-4000-8000-000000000001", RedisEntraToken.TryGetObjectId(TestTokens.ForObjectId("6a2b6c1e-0000-4000-8000-000000000001")));
    }

    [Fact]
    public void TryGetObjectId_SkipsNestedClaimsBeforeTheOid()
    {
        var token = TestTokens.Jwt("""{"roles":["a","b"],"xms":{"oid":"nested"},"oid":"outer"}""");

        Assert.Equal("outer", RedisEntraToken.TryGetObjectId(token));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-a-jwt")]
    [InlineData("a.b")]
    [InlineData("header..signature")]
    [InlineData("header.!!!.signature")]
    public void TryGetObjectId_ReturnsNull_ForSomethingThatIsNotAJwt(string? token)
    {
        Assert.Null(RedisEntraToken.TryGetObjectId(token));
    }

    [Theory]
    [InlineData("""{"sub":"x"}""")]
    [InlineData("""{"oid":42}""")]
    [InlineData("""{"oid":""}""")]
    [InlineData("""["oid"]""")]
    [InlineData("""{"oid":""")]
    public void TryGetObjectId_ReturnsNull_WhenThePayloadHasNoUsableOid(string payload)
    {
        Assert.Null(RedisEntraToken.TryGetObjectId(TestTokens.Jwt(payload)));
    }
}
