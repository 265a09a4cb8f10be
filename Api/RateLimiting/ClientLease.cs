namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// Requests and tokens of one client that Redis charged to its window ahead of use, for this replica to admit from
/// without a round trip until <see cref="ExpiresAt"/> (the end of the sub-bucket they were charged to). Every request
/// admitted from it is attributed to that bucket, so its reconciliation lands where the reservation was charged.
/// </summary>
internal sealed class ClientLease
{
    private readonly Lock _gate = new();
    private long _requests;
    private long _tokens;

    public ClientLease(LimitResult grant, long requests, long tokens, long expiresAt)
    {
        Grant = grant;
        _requests = requests;
        _tokens = tokens;
        ExpiresAt = expiresAt;
    }

    /// <summary>The admission that granted the lease: its bucket, day and month, and the window it reported.</summary>
    public LimitResult Grant { get; }

    /// <summary><see cref="TimeProvider.GetTimestamp"/> after which the lease admits nothing more.</summary>
    public long ExpiresAt { get; }

    /// <summary>
    /// Takes one request and <paramref name="tokens"/>; false (taking nothing) when either has run out or the lease
    /// expired. <paramref name="left"/> is what the lease still holds afterwards.
    /// </summary>
    public bool TryTake(long tokens, long now, out (long Requests, long Tokens) left)
    {
        lock (_gate)
        {
            if (now >= ExpiresAt || _requests < 1 || _tokens < tokens)
            {
                left = default;
                return false;
            }

            _requests--;
            _tokens -= tokens;
            left = (_requests, _tokens);
            return true;
        }
    }

    /// <summary>Gives back one request and <paramref name="tokens"/> taken by <see cref="TryTake"/> and not used.</summary>
    public void Return(long tokens)
    {
        lock (_gate)
        {
            _requests++;
            _tokens += tokens;
        }
    }

    /// <summary>Empties the lease, returning what was left (to be refunded).</summary>
    public (long Requests, long Tokens) Drain()
    {
        lock (_gate)
        {
            var left = (_requests, _tokens);
            _requests = 0;
            _tokens = 0;
            return left;
        }
    }
}

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
