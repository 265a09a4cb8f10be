using System.Net;
using System.Text.Json;
using AspireAoai.Api.Tests.Infrastructure;
using AspireAoai.Api.Tests.Usage;
using AspireAoai.Api.Usage;
using AspireAoai.TestSupport;
using StackExchange.Redis;

namespace AspireAoai.Api.Tests.Apis;

/// <summary>
/// The completion step (<c>RequestCompletion</c>) settles the rate-limit charge and reports the usage whatever
/// order the features were registered in: nothing wraps the usage reporter any more, so registering usage reporting after
/// rate limiting (which used to leave charges unreconciled) works. Real Redis, the simulator upstream.
/// </summary>
public sealed class RequestCompletionTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private SimulatorHost _sim = null!;
    private ConnectionMultiplexer _mux = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        _sim = await SimulatorHost.StartAsync("eastus");
        _mux = await ConnectionMultiplexer.ConnectAsync(_redis.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        await _mux.DisposeAsync();
        await _sim.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task UsageReportingRegisteredAfterRateLimiting_StillSettlesTheChargeAndWritesOneUsageEvent()
    {
        // GatewayApp adds usage reporting before rate limiting; this gateway adds it (again) after, as the last feature.
        var started = await GatewayHost.StartAsync([new DeploymentSpec("eastus-gpt-4o", _sim.BaseAddress)],
            [$"--ConnectionStrings:redis={_redis.ConnectionString}", "--Gateway:RateLimits:RedisTimeout=00:00:02", "--Gateway:Clients:0:Tpm=100000"],
            builder => builder.AddUsageReporting());
        await using var gateway = await started.WithRateLimiterConnectedAsync();

        using var response = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody(maxTokens: 2000));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var total = doc.RootElement.GetProperty("usage").GetProperty("total_tokens").GetInt64();
        Assert.InRange(total, 1, 1999);

        var db = _mux.GetDatabase();
        var usage = Assert.Single(await new UsageStreamProbe(db).WaitForAsync(1));
        Assert.Equal(total, usage.InputTokens + usage.OutputTokens);
        Assert.Equal(200, usage.Status);

        // Admission charged the estimate (prompt + 2000); the completion settles it to the answer's usage.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        long charged;
        do
        {
            await Task.Delay(100);
            charged = (long)await db.HashGetAsync("aoai:rl:client:test", "tt");
        }
        while (charged != total && DateTime.UtcNow < deadline);

        Assert.Equal(total, charged);
    }
}
