using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace AspireAoai.Worker.Hosting;

/// <summary>When the consume loop last went round; a stuck loop shows here before it shows as lag.</summary>
public sealed class AggregationHeartbeat(TimeProvider time)
{
    private long _last = time.GetTimestamp();

    public void Beat() => Interlocked.Exchange(ref _last, time.GetTimestamp());

    public TimeSpan SinceLastBeat => time.GetElapsedTime(Interlocked.Read(ref _last));
}

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
