namespace AspireAoai.Api;

/// <summary>
/// Keeps a failing dependency out of the request path: after <c>failureThreshold</c> consecutive failures, calls
/// are skipped for <c>breakDuration</c>; then the first caller probes (half-open) while the others keep skipping, and
/// its success closes the circuit. A probe that never reports (its caller was cancelled) holds the others back for
/// one more break only. Used by the response cache (Cosmos DB) and the rate limiter (Redis).
/// </summary>
internal sealed class CircuitBreaker
{
    private readonly int _threshold;
    private readonly long _breakTicks;
    private readonly TimeProvider _time;
    private int _failures;

    // A TimeProvider timestamp; 0 while closed.
    private long _openUntil;

    /// <param name="failureThreshold">Consecutive failures that open the circuit (at least 1).</param>
    /// <param name="breakDuration">How long calls are skipped before one probes.</param>
    /// <param name="time">The clock.</param>
    public CircuitBreaker(int failureThreshold, TimeSpan breakDuration, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failureThreshold, 1);
        _threshold = failureThreshold;
        _breakTicks = (long)(breakDuration.TotalSeconds * time.TimestampFrequency);
        _time = time;
    }

    /// <summary>True while calls are being skipped (open, or half-open waiting for its probe).</summary>
    public bool IsOpen => Volatile.Read(ref _openUntil) != 0;

    /// <summary>False while the circuit is open; once the break is over, true for the one caller that probes.</summary>
    public bool AllowRequest()
    {
        var until = Volatile.Read(ref _openUntil);
        if (until == 0)
        {
            return true;
        }

        var now = _time.GetTimestamp();
        if (now < until)
        {
            return false;
        }

        // Half-open: the first caller after the break probes; the others keep skipping until it reports.
        return Interlocked.CompareExchange(ref _openUntil, OpenUntil(now), until) == until;
    }

    /// <summary>Closes the circuit; true when it was open.</summary>
    public bool Success()
    {
        // Reads first: a success is the common case (every admission), and a write would bounce the cache line.
        if (Volatile.Read(ref _failures) != 0)
        {
            Volatile.Write(ref _failures, 0);
        }

        return Volatile.Read(ref _openUntil) != 0 && Interlocked.Exchange(ref _openUntil, 0) != 0;
    }

    /// <summary>Counts a failure; true when it was the threshold-th in a row, which (re)opens the circuit.</summary>
    public bool Failure() => Failure(out _);

    /// <summary>Counts a failure; true when it was the threshold-th in a row, which (re)opens the circuit.</summary>
    /// <param name="opened">True when the circuit was closed until this failure.</param>
    public bool Failure(out bool opened)
    {
        if (Interlocked.Increment(ref _failures) < _threshold)
        {
            opened = false;
            return false;
        }

        Volatile.Write(ref _failures, 0);
        opened = Interlocked.Exchange(ref _openUntil, OpenUntil(_time.GetTimestamp())) == 0;
        return true;
    }

    // Never 0, which means closed.
    private long OpenUntil(long now) => Math.Max(1, now + _breakTicks);
}
