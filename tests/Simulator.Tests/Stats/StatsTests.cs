using System.Net;

namespace AspireAoai.Simulator.Tests.Stats;

public sealed class StatsTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;

    public async Task InitializeAsync() => _sim = await SimulatorHost.StartAsync();

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public async Task Stats_CountRequestsPerDeployment_WithFaultsAndStatusCodes_AndResetClearsThem()
    {
        await _sim.AddFaultAsync(new { kind = "429", count = 1, deployment = "gpt-4o" });
        using var a = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("1"));
        using var b = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("2"));
        using var c = await _sim.PostAsync(SimulatorHost.EmbeddingsPath("text-embedding-3-large"), """{"input":"x"}""");
        using var unknown = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-9"), Json.ChatBody("3"));

        var stats = await _sim.StatsAsync();
        Assert.Equal(3, stats.GetProperty("totalRequests").GetInt64());
        var gpt4o = stats.GetProperty("deployments").GetProperty("gpt-4o");
        Assert.Equal(2, gpt4o.GetProperty("requests").GetInt64());
        Assert.Equal(1, gpt4o.GetProperty("rateLimited").GetInt64());
        Assert.Equal(0, gpt4o.GetProperty("throttled").GetInt64());
        Assert.Equal(1, gpt4o.GetProperty("faults").GetProperty("429").GetInt64());
        Assert.Equal(1, gpt4o.GetProperty("statusCodes").GetProperty("200").GetInt64());
        Assert.Equal(1, gpt4o.GetProperty("statusCodes").GetProperty("429").GetInt64());
        Assert.Equal(1, stats.GetProperty("deployments").GetProperty("text-embedding-3-large").GetProperty("requests").GetInt64());
        Assert.False(stats.GetProperty("deployments").TryGetProperty("gpt-4o-mini", out _));

        using var reset = await _sim.Http.PostAsync("sim/reset", null);
        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        var cleared = await _sim.StatsAsync();
        Assert.Equal(0, cleared.GetProperty("totalRequests").GetInt64());
        Assert.Empty(cleared.GetProperty("deployments").EnumerateObject());
    }

    [Fact]
    public async Task Health_IsServedByServiceDefaults()
    {
        using var health = await _sim.Http.GetAsync("health");
        using var alive = await _sim.Http.GetAsync("alive");

        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);
    }
}
