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
