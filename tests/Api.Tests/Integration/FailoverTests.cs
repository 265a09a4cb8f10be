using System.Net;
using System.Text.Json;
using AspireAoai.Api.Tests.Infrastructure;

namespace AspireAoai.Api.Tests.Integration;

/// <summary>Failover between two simulated regions with faults switched on.</summary>
public sealed class FailoverTests
{
    private static string? ServedBy(HttpResponseMessage response)
        => response.Headers.TryGetValues("x-aoai-deployment", out var values) ? values.Single() : null;

    [Fact]
    public async Task Failover_WhenPrimaryReturns429_UsesSecondaryAndHonoursRetryAfterMs()
    {
        await using var regions = await TwoRegions.StartAsync();
        await regions.East.AddFaultAsync("429", count: 1, retryAfterMs: 1500, deployment: "gpt-4o");

        using var first = await regions.Gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(TwoRegions.Secondary, ServedBy(first));

        var state = await regions.DeploymentStateAsync(TwoRegions.Primary);
        Assert.Equal("cooling", state.GetProperty("state").GetString());
        Assert.InRange(state.GetProperty("cooldownRemainingMs").GetInt64(), 500, 1500);
        Assert.Equal(429, state.GetProperty("lastStatus").GetInt32());

        for (var i = 0; i < 10; i++)
        {
            using var during = await regions.Gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());
            Assert.Equal(TwoRegions.Secondary, ServedBy(during));
        }

        Assert.Equal(1, await regions.East.RequestsAsync("gpt-4o"));

        await regions.WaitUntilHealthyAsync(TwoRegions.Primary, TimeSpan.FromSeconds(5));
        using var after = await regions.Gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());
        Assert.Equal(TwoRegions.Primary, ServedBy(after));
    }

    [Fact]
    public async Task Failover_WhenPrimaryReturns503_UsesSecondaryAndCoolsForTheDefault()
    {
        await using var regions = await TwoRegions.StartAsync();
        await regions.East.AddFaultAsync("503", count: 1, deployment: "gpt-4o");

        using var response = await regions.Gateway.Http.PostAsync("openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", GatewayHost.ChatBody(model: null));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TwoRegions.Secondary, ServedBy(response));
        var state = await regions.DeploymentStateAsync(TwoRegions.Primary);
        Assert.InRange(state.GetProperty("cooldownRemainingMs").GetInt64(), 1000, 2000);
    }

    [Fact]
    public async Task Failover_WhenPrimaryTimesOut_UsesSecondaryWithinTheAttemptTimeout()
    {
        await using var regions = await TwoRegions.StartAsync(["--Gateway:Routing:AttemptTimeout=00:00:00.500"]);
        await regions.East.AddFaultAsync("timeout", count: 1, deployment: "gpt-4o");

        var started = DateTime.UtcNow;
        using var response = await regions.Gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TwoRegions.Secondary, ServedBy(response));
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(5));
        Assert.Equal("timeout", (await regions.DeploymentStateAsync(TwoRegions.Primary)).GetProperty("lastFailure").GetString());
    }

    [Fact]
    public async Task StreamingFailover_WhenPrimaryStallsBeforeTheFirstByte_StreamsFromSecondary()
    {
        await using var regions = await TwoRegions.StartAsync(["--Gateway:Routing:StreamingAttemptTimeout=00:00:00.500"]);
        await regions.East.AddFaultAsync("slow", count: 1, delayMs: 5000, deployment: "gpt-4o");

        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = GatewayHost.ChatBody(stream: true) };
        using var response = await regions.Gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TwoRegions.Secondary, ServedBy(response));
        var body = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("data: ", body);
        Assert.EndsWith("data: [DONE]\n\n", body.Replace("\r\n", "\n"));
    }

    [Fact]
    public async Task StreamingFailover_WhenPrimaryReturns429_StreamsFromSecondary()
    {
        await using var regions = await TwoRegions.StartAsync();
        await regions.East.AddFaultAsync("429", count: 1, retryAfterMs: 3000, deployment: "gpt-4o");

        using var response = await regions.Gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody(stream: true));

        Assert.Equal(TwoRegions.Secondary, ServedBy(response));
        Assert.Contains("[DONE]", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task EveryDeploymentCooling_Gets429WithRetryAfterOfTheEarliestRecovery()
    {
        await using var regions = await TwoRegions.StartAsync();
        await regions.East.AddFaultAsync("429", count: 1, retryAfterMs: 4000, deployment: "gpt-4o");
        await regions.West.AddFaultAsync("429", count: 1, retryAfterMs: 2500, deployment: "gpt-4o");

        using var response = await regions.Gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        var retryAfterMs = long.Parse(response.Headers.GetValues("retry-after-ms").Single());
        Assert.InRange(retryAfterMs, 1500, 2500);
        Assert.Equal(TimeSpan.FromSeconds(Math.Ceiling(retryAfterMs / 1000.0)), response.Headers.RetryAfter?.Delta);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("rate_limit_exceeded", doc.RootElement.GetProperty("error").GetProperty("code").GetString());

        // While both cool, nothing is sent upstream: the answer is immediate.
        using var again = await regions.Gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());
        Assert.Equal(HttpStatusCode.TooManyRequests, again.StatusCode);
        Assert.Equal(1, await regions.East.RequestsAsync("gpt-4o"));
        Assert.Equal(1, await regions.West.RequestsAsync("gpt-4o"));
    }

    [Fact]
    public async Task PromptFilter400_ReachesTheClientIntact_AndIsNotRetried()
    {
        await using var regions = await TwoRegions.StartAsync();
        await regions.East.AddFaultAsync("prompt_filter", count: 1, deployment: "gpt-4o");
        using var direct = await regions.East.Http.SendAsync(DirectChat());
        var directBody = JsonDocument.Parse(await direct.Content.ReadAsStringAsync());
        await regions.East.ResetAsync();
        await regions.East.AddFaultAsync("prompt_filter", count: 1, deployment: "gpt-4o");

        using var response = await regions.Gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = doc.RootElement.GetProperty("error");
        Assert.Equal("content_filter", error.GetProperty("code").GetString());
        var filter = error.GetProperty("innererror").GetProperty("content_filter_result");
        Assert.Equal(directBody.RootElement.GetProperty("error").GetProperty("innererror").GetProperty("content_filter_result").GetRawText(), filter.GetRawText());
        Assert.Equal(0, await regions.West.RequestsAsync("gpt-4o"));
        Assert.Equal("healthy", (await regions.DeploymentStateAsync(TwoRegions.Primary)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task CompletionFilter_IsRelayedWithItsFinishReason()
    {
        await using var regions = await TwoRegions.StartAsync();
        await regions.East.AddFaultAsync("completion_filter", count: 1, deployment: "gpt-4o");

        using var response = await regions.Gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("content_filter", doc.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task ResponseIdsAndBody_PassThroughUnchanged_ButNotTheDeploymentsRateLimitHeaders()
    {
        await using var regions = await TwoRegions.StartAsync();

        using var direct = await regions.East.Http.SendAsync(DirectChat());
        using var viaGateway = await regions.Gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());

        foreach (var name in new[] { "x-request-id", "apim-request-id", "x-ms-region" })
        {
            Assert.True(direct.Headers.Contains(name), $"simulator sends {name}");
            Assert.True(viaGateway.Headers.Contains(name), $"gateway passes {name} through");
        }

        // The deployment's counts are every tenant's traffic: a client sees only its own limits (none configured here).
        foreach (var name in new[] { "x-ratelimit-remaining-requests", "x-ratelimit-remaining-tokens" })
        {
            Assert.True(direct.Headers.Contains(name), $"simulator sends {name}");
            Assert.False(viaGateway.Headers.Contains(name), $"gateway keeps the deployment's {name}");
        }

        using var a = JsonDocument.Parse(await direct.Content.ReadAsStringAsync());
        using var b = JsonDocument.Parse(await viaGateway.Content.ReadAsStringAsync());
        Assert.Equal(a.RootElement.GetProperty("choices").GetRawText(), b.RootElement.GetProperty("choices").GetRawText());
        Assert.Equal(a.RootElement.GetProperty("usage").GetRawText(), b.RootElement.GetProperty("usage").GetRawText());
        Assert.Equal(
            a.RootElement.EnumerateObject().Select(p => p.Name).Order().ToArray(),
            b.RootElement.EnumerateObject().Select(p => p.Name).Order().ToArray());
    }

    [Fact]
    public async Task SamePriority_SpreadsTrafficOverBothRegions()
    {
        await using var regions = await TwoRegions.StartAsync(samePriority: true);

        for (var i = 0; i < 40; i++)
        {
            using var response = await regions.Gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.InRange(await regions.East.RequestsAsync("gpt-4o"), 8, 32);
        Assert.InRange(await regions.West.RequestsAsync("gpt-4o"), 8, 32);
    }

    [Fact]
    public async Task Embeddings_AreForwarded_BothStyles()
    {
        await using var regions = await TwoRegions.StartAsync();

        using var v1 = await regions.Gateway.Http.PostAsync("v1/embeddings", GatewayHost.Json("{\"model\":\"text-embedding-3-large\",\"input\":\"hello\"}"));
        using var azure = await regions.Gateway.Http.PostAsync("openai/deployments/text-embedding-3-large/embeddings?api-version=2024-10-21", GatewayHost.Json("{\"input\":[\"hello\"]}"));

        Assert.Equal(HttpStatusCode.OK, v1.StatusCode);
        Assert.Equal(HttpStatusCode.OK, azure.StatusCode);
        using var doc = JsonDocument.Parse(await v1.Content.ReadAsStringAsync());
        Assert.True(doc.RootElement.GetProperty("data")[0].GetProperty("embedding").GetArrayLength() > 0);
    }

    private static HttpRequestMessage DirectChat()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21")
        {
            Content = GatewayHost.ChatBody(),
        };
        request.Headers.Add("api-key", "sim-key");
        return request;
    }
}
