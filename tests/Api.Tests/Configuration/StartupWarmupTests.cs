using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using AspireAoai.Api.Tests.Infrastructure;
using AspireAoai.TestSupport;

namespace AspireAoai.Api.Tests.Configuration;

/// <summary>The gateway opens its upstream connections before it listens, so the first requests do not pay for them.</summary>
public sealed class StartupWarmupTests
{
    /// <summary>Open client connections per server port, from System.Net.Http's <c>http.client.open_connections</c>.</summary>
    private sealed class OpenConnections : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<int, long> _byPort = new();

        public OpenConnections()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "System.Net.Http" && instrument.Name == "http.client.open_connections")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                {
                    if (tag.Key == "server.port" && tag.Value is int port)
                    {
                        _byPort.AddOrUpdate(port, value, (_, v) => v + value);
                    }
                }
            });
            _listener.Start();
        }

        public long To(int port) => _byPort.TryGetValue(port, out var v) ? v : 0;

        public void Dispose() => _listener.Dispose();
    }

    [Fact]
    public async Task BeforeTheFirstRequest_TheGatewayHoldsOpenConnectionsToEachUpstream()
    {
        using var connections = new OpenConnections();
        await using var east = await SimulatorHost.StartAsync("eastus");
        // The test's own client to the simulator counts too: only what the gateway's start adds is the gateway's.
        var before = connections.To(east.BaseAddress.Port);
        await using var gateway = await GatewayHost.StartAsync([new DeploymentSpec("east", east.BaseAddress)],
            ["--Gateway:Warmup:UpstreamConnections=4"]);

        // A connection going back to the pool is counted as one less active, then one more idle, by two measurements:
        // a read between the two sees one less, so wait for the count to settle at what the warmup opened.
        await Eventually.TrueAsync(() => connections.To(east.BaseAddress.Port) - before == 4,
            "the gateway holds 4 connections to the upstream", TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task WithRateLimitsOff_TheGatewayStartsAndAnswers()
    {
        // The warm-up waited for the rate limiter's Redis connection, and the limiter is not registered when rate limits
        // are off: the host failed to start ("Unable to resolve service for type ClientLimiter").
        await using var east = await SimulatorHost.StartAsync("eastus");
        await using var gateway = await GatewayHost.StartAsync([new DeploymentSpec("east", east.BaseAddress)],
            ["--Gateway:RateLimits:Enabled=false"]);

        using var response = await gateway.Http.PostAsync("/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
            new StringContent("""{"messages":[{"role":"user","content":"hi"}],"max_tokens":4}""", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task WithTheWarmupOff_NoUpstreamConnectionIsOpenedBeforeTheFirstRequest()
    {
        using var connections = new OpenConnections();
        await using var east = await SimulatorHost.StartAsync("eastus");
        var before = connections.To(east.BaseAddress.Port);
        await using var gateway = await GatewayHost.StartAsync([new DeploymentSpec("east", east.BaseAddress)],
            ["--Gateway:Warmup:Enabled=false"]);

        Assert.Equal(before, connections.To(east.BaseAddress.Port));
    }
}
