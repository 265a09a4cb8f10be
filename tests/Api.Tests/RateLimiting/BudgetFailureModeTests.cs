using System.Net;
using System.Text.Json;
using AspireAoai.Api.Auth;
using AspireAoai.Api.RateLimiting;
using AspireAoai.Api.Tests.Infrastructure;
using AspireAoai.TestSupport;

namespace AspireAoai.Api.Tests.RateLimiting;

/// <summary>
/// With Redis down, a client with a budget is refused (its spend lives only in Redis), unless it or the gateway says
/// otherwise; clients without a budget keep the fail-open default.
/// </summary>
public sealed class BudgetFailureModeTests : IAsyncLifetime
{
    private const string FreeKey = "budget-failure-free-key";
    private RedisServer _redis = null!;
    private SimulatorHost _sim = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _sim = await SimulatorHost.StartAsync("eastus");
    }

    public async Task DisposeAsync()
    {
        await _sim.DisposeAsync();
        await _redis.DisposeAsync();
    }

    private async Task<GatewayHost> StartGatewayAsync(params string[] args)
    {
        var gateway = await GatewayHost.StartAsync(
            [new DeploymentSpec("eastus-gpt-4o", _sim.BaseAddress)],
            [$"--ConnectionStrings:redis={_redis.ConnectionString}", "--Gateway:RateLimits:RedisTimeout=00:00:00.500",
             "--Gateway:Clients:0:Budget:DailyUsd=5",
             "--Gateway:Clients:2:Id=free", $"--Gateway:Clients:2:KeyHash={KeyHasher.HashHex(FreeKey)}", "--Gateway:Clients:2:Rpm=1000", .. args]);
        return await gateway.WithRateLimiterConnectedAsync();
    }

    private static HttpClient ClientFor(GatewayHost gateway, string key)
    {
        var http = new HttpClient { BaseAddress = gateway.BaseAddress };
        http.DefaultRequestHeaders.Add("api-key", key);
        return http;
    }

    [Fact]
    public async Task RedisDown_AClientWithABudget_IsRefusedWith503_WhileAClientWithoutOneIsServed()
    {
        await using var gateway = await StartGatewayAsync();
        using var free = ClientFor(gateway, FreeKey);
        using (var before = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody()))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        _redis.Kill();

        using var budgeted = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, budgeted.StatusCode);
        using var error = JsonDocument.Parse(await budgeted.Content.ReadAsStringAsync());
        Assert.Equal("rate_limit_store_unavailable", error.RootElement.GetProperty("error").GetProperty("code").GetString());

        using var unbudgeted = await free.PostAsync("v1/chat/completions", GatewayHost.ChatBody());
        Assert.Equal(HttpStatusCode.OK, unbudgeted.StatusCode);
    }

    [Theory]
    [InlineData("--Gateway:Clients:0:FailureMode=FailOpen")]
    [InlineData("--Gateway:RateLimits:BudgetFailureMode=FailOpen")]
    public async Task RedisDown_AClientWithABudget_IsServedFromTheLocalShare_WhenConfiguredToFailOpen(string setting)
    {
        await using var gateway = await StartGatewayAsync(setting);
        _redis.Kill();

        using var response = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task RedisDown_AClientWithoutABudget_CanBeMadeToFailClosedOnItsOwn()
    {
        await using var gateway = await StartGatewayAsync("--Gateway:Clients:2:FailureMode=FailClosed");
        using var free = ClientFor(gateway, FreeKey);
        _redis.Kill();

        using var response = await free.PostAsync("v1/chat/completions", GatewayHost.ChatBody());
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
    }
}
