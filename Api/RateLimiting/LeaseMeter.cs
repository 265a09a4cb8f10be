namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// A client's admissions by this replica per bucket-wide period of local time: how big a lease to ask for.
/// </summary>
internal sealed class LeaseMeter(int periodMs)
{
    private readonly Lock _gate = new();
    private long _start;
    private long _requests;
    private long _tokens;
    private long _lastRequests;
    private long _lastTokens;

    public void Add(long nowMs, long tokens)
    {
        lock (_gate)
        {
            Roll(nowMs);
            _requests++;
            _tokens += tokens;
        }
    }

    /// <summary>
    /// The admissions and their estimated tokens in the last whole period (0 when it was not the previous one), or in the
    /// current one so far when it already saw more. A client that turns busy gets a lease within the period, the leases
    /// growing as each is used up, rather than only from the next period on.
    /// </summary>
    public (long Requests, long Tokens) Recent(long nowMs)
    {
        lock (_gate)
        {
            Roll(nowMs);
            return _requests > _lastRequests ? (_requests, _tokens) : (_lastRequests, _lastTokens);
        }
    }

    private void Roll(long nowMs)
    {
        if (nowMs - _start < periodMs)
        {
            return;
        }

        var consecutive = nowMs - _start < 2L * periodMs;
        _lastRequests = consecutive ? _requests : 0;
        _lastTokens = consecutive ? _tokens : 0;
        _requests = 0;
        _tokens = 0;
        _start = nowMs - ((nowMs - _start) % periodMs);
    }
}
