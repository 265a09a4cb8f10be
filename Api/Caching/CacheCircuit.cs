namespace AspireAoai.Api.Caching;

/// <summary>
/// Keeps a failing store out of the request path: after <c>FailureThreshold</c> consecutive failures or timeouts,
/// lookups and writes are skipped for <c>BreakDuration</c>; then one lookup probes again. Without it every
/// cacheable request would wait out the lookup timeout while Cosmos DB is down.
/// </summary>
internal sealed class CacheCircuit
{
    private readonly int _threshold;
    private readonly TimeSpan _breakDuration;
    private readonly TimeProvider _time;
    private int _failures;
    private long _openUntilTicks;

    public CacheCircuit(int threshold, TimeSpan breakDuration, TimeProvider time)
    {
        _threshold = threshold;
        _breakDuration = breakDuration;
        _time = time;
    }

    /// <summary>False while the circuit is open.</summary>
    public bool AllowRequest()
    {
        var until = Volatile.Read(ref _openUntilTicks);
        if (until == 0)
        {
            return true;
        }

        var now = _time.GetUtcNow().UtcTicks;
        if (now < until)
        {
            return false;
        }

        // Half-open: the first caller after the break probes; the others keep skipping until it reports.
        return Interlocked.CompareExchange(ref _openUntilTicks, now + _breakDuration.Ticks, until) == until;
    }

    /// <summary>True while lookups and writes are being skipped (open, or half-open waiting for its probe).</summary>
    public bool IsOpen => Volatile.Read(ref _openUntilTicks) != 0;

    public void Success()
    {
        Volatile.Write(ref _failures, 0);
        Volatile.Write(ref _openUntilTicks, 0);
    }

    /// <summary>Counts a failure; true when this one opened the circuit.</summary>
    public bool Failure()
    {
        if (Interlocked.Increment(ref _failures) < _threshold)
        {
            return false;
        }

        Volatile.Write(ref _failures, 0);
        Volatile.Write(ref _openUntilTicks, _time.GetUtcNow().UtcTicks + _breakDuration.Ticks);
        return true;
    }
}
