using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace AspireAoai.Worker.Hosting;

/// <summary>
/// Liveness (tagged <c>live</c>): unhealthy when the loop has not gone round for <see cref="WorkerOptions.StallTimeout"/>,
/// so the orchestrator restarts the replica; its pending entries are then claimed by the others.
/// </summary>
public sealed class AggregationLoopHealthCheck(AggregationHeartbeat heartbeat, IOptions<WorkerOptions> options) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var since = heartbeat.SinceLastBeat;
        return Task.FromResult(since <= options.Value.StallTimeout
            ? HealthCheckResult.Healthy()
            : new HealthCheckResult(context.Registration.FailureStatus, $"The consume loop has not run for {since.TotalSeconds:F0} s."));
    }
}
