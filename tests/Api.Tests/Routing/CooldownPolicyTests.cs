using System.Net;
using AspireAoai.Api.Routing;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Tests.Routing;

public sealed class CooldownPolicyTests
{
    private static readonly DateTimeOffset Now = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static readonly CooldownPolicy Policy = new(Options.Create(new RoutingOptions
    {
        DefaultCooldown = TimeSpan.FromSeconds(10),
        MaxCooldown = TimeSpan.FromMinutes(5),
    }));

    private static HttpResponseMessage Response(params (string Name, string Value)[] headers)
    {
        var response = new HttpResponseMessage(HttpStatusCode.TooManyRequests);
        foreach (var (name, value) in headers)
        {
            response.Headers.TryAddWithoutValidation(name, value);
        }

        return response;
    }

    [Fact]
    public void RetryAfterMs_WinsOverRetryAfterSeconds()
    {
        using var response = Response(("retry-after-ms", "1500"), ("retry-after", "2"));
        Assert.Equal(TimeSpan.FromMilliseconds(1500), Policy.FromResponse(response.Headers, Now));
    }

    [Fact]
    public void XMsRetryAfterMs_IsHonoured()
    {
        using var response = Response(("x-ms-retry-after-ms", "750"));
        Assert.Equal(TimeSpan.FromMilliseconds(750), Policy.FromResponse(response.Headers, Now));
    }

    [Fact]
    public void RetryAfterSeconds_IsHonoured()
    {
        using var response = Response(("retry-after", "37"));
        Assert.Equal(TimeSpan.FromSeconds(37), Policy.FromResponse(response.Headers, Now));
    }

    [Fact]
    public void RetryAfterHttpDate_IsMeasuredFromNow()
    {
        using var response = Response(("retry-after", Now.AddSeconds(20).ToString("r")));
        Assert.Equal(TimeSpan.FromSeconds(20), Policy.FromResponse(response.Headers, Now));
    }

    [Fact]
    public void RateLimitResetHeaders_UseTheLaterOfRequestsAndTokens()
    {
        using var response = Response(("x-ratelimit-reset-requests", "1s"), ("x-ratelimit-reset-tokens", "6m0s"));
        // 6 minutes is capped at the 5 minute maximum.
        Assert.Equal(TimeSpan.FromMinutes(5), Policy.FromResponse(response.Headers, Now));
    }

    [Fact]
    public void NoHeaders_GiveTheDefault()
    {
        using var response = Response();
        Assert.Equal(TimeSpan.FromSeconds(10), Policy.FromResponse(response.Headers, Now));
    }

    [Fact]
    public void GarbageHeaders_GiveTheDefault()
    {
        using var response = Response(("retry-after-ms", "soon"), ("retry-after", "later"));
        Assert.Equal(TimeSpan.FromSeconds(10), Policy.FromResponse(response.Headers, Now));
    }

    [Theory]
    [InlineData("20ms", 20)]
    [InlineData("1s", 1000)]
    [InlineData("6m0s", 360000)]
    [InlineData("1h2m3.5s", 3723500)]
    [InlineData("12", 12000)]
    [InlineData("0.5", 500)]
    public void Durations_ParseAsOpenAiSendsThem(string text, double ms)
    {
        Assert.True(CooldownPolicy.TryParseDuration(text, out var duration));
        Assert.Equal(ms, duration.TotalMilliseconds, 3);
    }

    [Theory]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("5x")]
    [InlineData("-3")]
    public void Durations_RejectNonsense(string text) => Assert.False(CooldownPolicy.TryParseDuration(text, out _));

    [Theory]
    [InlineData(429, true)]
    [InlineData(500, true)]
    [InlineData(502, true)]
    [InlineData(503, true)]
    [InlineData(504, true)]
    [InlineData(408, true)]
    [InlineData(401, true)]
    [InlineData(400, false)]
    [InlineData(404, false)]
    [InlineData(413, false)]
    [InlineData(422, false)]
    [InlineData(200, false)]
    public void OnlyDeploymentFailuresAreRetried(int status, bool retryable) => Assert.Equal(retryable, CooldownPolicy.IsRetryable(status));
}
