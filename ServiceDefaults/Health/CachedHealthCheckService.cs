using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AspireAoai.ServiceDefaults.Health;

/// <summary>
/// Answers the full readiness check (<c>/health</c>, every registered check) from a report at most
/// <see cref="MaxAge"/> old, and lets concurrent callers share one run. <c>/health</c> is reachable from the internet
/// and its checks read Cosmos DB and Redis: without this, every hit would cost a database read. Filtered runs (the
/// liveness probe's <c>live</c> checks, which touch no dependency) are not cached.
/// </summary>
public sealed class CachedHealthCheckService : HealthCheckService
{
    /// <summary>How long a full report is reused by default.</summary>
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromSeconds(5);

    private readonly HealthCheckService _inner;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private Task<HealthReport>? _report;
    private long _startedAt;

    public CachedHealthCheckService(HealthCheckService inner, TimeProvider time, TimeSpan maxAge)
    {
        _inner = inner;
        _time = time;
        MaxAge = maxAge;
    }

    /// <summary>Longest a full report is reused.</summary>
    public TimeSpan MaxAge { get; }

    public override Task<HealthReport> CheckHealthAsync(Func<HealthCheckRegistration, bool>? predicate, CancellationToken cancellationToken = default)
    {
        if (predicate is not null)
        {
            return _inner.CheckHealthAsync(predicate, cancellationToken);
        }

        lock (_gate)
        {
            // A faulted or stale run is replaced; a run still in flight is shared (callers' tokens do not cancel it).
            if (_report is null || _report.IsFaulted || _report.IsCanceled || _time.GetElapsedTime(_startedAt) > MaxAge)
            {
                _startedAt = _time.GetTimestamp();
                _report = _inner.CheckHealthAsync(null, CancellationToken.None);
            }

            return cancellationToken.CanBeCanceled ? _report.WaitAsync(cancellationToken) : _report;
        }
    }
}
