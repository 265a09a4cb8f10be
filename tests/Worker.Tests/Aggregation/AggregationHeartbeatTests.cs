using AspireAoai.Worker.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace AspireAoai.Worker.Tests.Aggregation;

public class AggregationHeartbeatTests
{
    [Fact]
    public async Task LoopThatStopsGoingRound_FailsLivenessAfterTheStallTimeout()
    {
        var time = new FakeTimeProvider();
        var heartbeat = new AggregationHeartbeat(time);
        var check = new AggregationLoopHealthCheck(heartbeat,
            Microsoft.Extensions.Options.Options.Create(new WorkerOptions { StallTimeout = TimeSpan.FromMinutes(2) }));
        var context = new HealthCheckContext
        {
            Registration = new HealthCheckRegistration("cost-aggregator", check, HealthStatus.Unhealthy, ["live"]),
        };

        time.Advance(TimeSpan.FromSeconds(119));
        var stillFine = await check.CheckHealthAsync(context);
        time.Advance(TimeSpan.FromSeconds(2));
        var stalled = await check.CheckHealthAsync(context);
        heartbeat.Beat();
        var recovered = await check.CheckHealthAsync(context);

        Assert.Equal(HealthStatus.Healthy, stillFine.Status);
        Assert.Equal(HealthStatus.Unhealthy, stalled.Status);
        Assert.Equal(HealthStatus.Healthy, recovered.Status);
    }
}
