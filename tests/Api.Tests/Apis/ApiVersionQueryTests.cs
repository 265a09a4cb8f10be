using AspireAoai.Api.Apis;
using Microsoft.AspNetCore.Http;

namespace AspireAoai.Api.Tests.Apis;

/// <summary>The api-version query parameter, read the way Request.Query would read it, without its dictionary.</summary>
public sealed class ApiVersionQueryTests
{
    [Theory]
    [InlineData("", 0, null)]
    [InlineData("?other=1", 0, null)]
    [InlineData("?api-version=2024-10-21", 1, "2024-10-21")]
    [InlineData("?x=1&api-version=2024-12-01-preview&y=2", 1, "2024-12-01-preview")]
    [InlineData("?API-Version=2024-10-21", 1, "2024-10-21")]
    [InlineData("?api%2Dversion=2024%2D10%2D21", 1, "2024-10-21")]
    [InlineData("?api-version=", 1, "")]
    [InlineData("?api-version", 1, "")]
    [InlineData("?api-version=2024-10-21&api-version=2024-06-01", 2, "2024-10-21")]
    [InlineData("?api-versions=2024-10-21", 0, null)]
    public void MatchesRequestQuery(string query, int count, string? value)
    {
        var queryString = new QueryString(query);
        Assert.Equal((count, value), GatewayHandler.ApiVersion(queryString));

        // The same answer Request.Query gives.
        var parsed = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseNullableQuery(query)?.GetValueOrDefault("api-version") ?? default;
        Assert.Equal(count, parsed.Count);
        if (count > 0)
        {
            Assert.Equal(value, parsed[0]);
        }
    }
}
