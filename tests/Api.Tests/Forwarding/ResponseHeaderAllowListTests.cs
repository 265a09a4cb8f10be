using System.Net;
using AspireAoai.Api.Forwarding;
using AspireAoai.Api.RateLimiting;
using AspireAoai.Api.Tests.Infrastructure;
using AspireAoai.TestSupport;

namespace AspireAoai.Api.Tests.Forwarding;

/// <summary>
/// Upstream response headers come back through an allow-list: the ids, region and <c>openai-*</c> headers a client
/// needs, never the shared deployment's <c>x-ratelimit-*</c> (other tenants' traffic) or its internals.
/// </summary>
public sealed class ResponseHeaderAllowListTests
{
    private static string? Single(HttpResponseMessage response, string name)
        => response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(",", values)
            : null;

    [Fact]
    public async Task UpstreamHeaders_ReachTheClientOnlyWhenAllowed()
    {
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([new DeploymentSpec("d", upstream.BaseAddress)]);

        using var response = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("upstream-request-1", Single(response, "x-request-id"));
        Assert.Equal("apim-1", Single(response, "apim-request-id"));
        Assert.Equal("East US", Single(response, "x-ms-region"));
        Assert.Equal("12", Single(response, "openai-processing-ms"));
        Assert.StartsWith("application/json", Single(response, "content-type"));
        foreach (var hidden in new[] { "x-ratelimit-remaining-requests", "x-ratelimit-remaining-tokens", "x-ratelimit-limit-tokens", "set-cookie", "x-ms-backend-node", "azureml-model-session" })
        {
            Assert.Null(Single(response, hidden));
        }
    }

    [Fact]
    public async Task AClientWithLimits_SeesItsOwnRemainingCounts_NeverTheDeployments()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var upstream = await RecordingUpstream.StartAsync();
        await using var gateway = await GatewayHost.StartAsync([new DeploymentSpec("d", upstream.BaseAddress)],
            [$"--ConnectionStrings:redis={redis.ConnectionString}", "--Gateway:RateLimits:RedisTimeout=00:00:02",
             "--Gateway:Clients:0:Rpm=50", "--Gateway:Clients:0:Tpm=100000"]);
        await gateway.WithRateLimiterConnectedAsync();

        using var response = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("50", Single(response, "x-ratelimit-limit-requests"));
        Assert.Equal("49", Single(response, "x-ratelimit-remaining-requests"));
        Assert.Equal("100000", Single(response, "x-ratelimit-limit-tokens"));
        Assert.NotEqual(RecordingUpstream.DeploymentRemainingTokens, Single(response, "x-ratelimit-remaining-tokens"));
        Assert.True(long.Parse(Single(response, "x-ratelimit-remaining-tokens")!) < 100000);
    }

    [Theory]
    [InlineData("retry-after", true)]
    [InlineData("Retry-After-Ms", true)]
    [InlineData("x-ms-retry-after-ms", true)]
    [InlineData("x-ms-client-request-id", true)]
    [InlineData("openai-version", true)]
    [InlineData("content-encoding", true)]
    [InlineData("x-ratelimit-reset-tokens", false)]
    [InlineData("server", false)]
    [InlineData("strict-transport-security", false)]
    [InlineData("x-envoy-upstream-service-time", false)]
    public void AllowList_KeepsRetryHintsAndIds_AndDropsTheRest(string name, bool allowed)
        => Assert.Equal(allowed, HeaderCopier.IsAllowed(name));
}
