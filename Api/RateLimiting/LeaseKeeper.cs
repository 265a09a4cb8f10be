using System.Collections.Concurrent;

namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// This replica's client leases: requests and tokens Redis charged to a client's window ahead of use (a
/// <see cref="ClientLease"/>), admitted from without a round trip. Sizes the next lease to ask for, installs a granted
/// one, and refunds what a replaced or expired lease left through the adjustment queue.
/// </summary>
internal sealed class LeaseKeeper
{
    /// <summary>A lease is granted only while the window stays at most this full with it; the lease path needs that much room.</summary>
    internal const double Fill = 0.5;

    private readonly TimeProvider _time;
    private readonly PendingAdjustments _pending;
    private readonly ConcurrentDictionary<ClientLimits, byte> _leased = new();
    private readonly int _bucketWidth;
    private readonly int _minRequests;
    private readonly double _share;

    public LeaseKeeper(RateLimitOptions options, TimeProvider time, PendingAdjustments pending)
    {
        _time = time;
        _pending = pending;
        _bucketWidth = options.BucketMilliseconds;
        _minRequests = options.Leases ? options.LeaseMinRequests : 0;
        _share = options.LeaseMaxShare;
    }

    /// <summary>True when leases are on (<c>Gateway:RateLimits:Leases</c>).</summary>
    public bool Enabled => _minRequests > 0;

    /// <summary>
    /// Admits from the client's lease when it has a request and the tokens left, has not expired, and some deployment of
    /// the pool has room by the last windows read (kept at most half full: near capacity every admission asks Redis).
    /// </summary>
    public LimitResult? TryAdmit(ClientLimits client, ClientLease lease, DeploymentLimits[] deployments, long tokens)
    {
        if (!lease.TryTake(tokens, _time.GetTimestamp(), out var left))
        {
            return null;
        }

        var localMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if (deployments.Length > 0 && !AnyRoom(deployments, tokens, localMs))
        {
            lease.Return(tokens);
            return null;
        }

        client.Meter.Add(localMs, tokens);
        // The grant's window counted the whole reservation; what the lease still holds is not used yet, so the
        // remaining-requests and -tokens headers leave it out (exact with one replica, as the grant saw the others).
        var grant = lease.Grant;
        return grant with { Source = LimitSource.Lease, Requests = grant.Requests - left.Requests, Tokens = grant.Tokens - left.Tokens };
    }

    private static bool AnyRoom(DeploymentLimits[] deployments, long tokens, long nowMs)
    {
        foreach (var d in deployments)
        {
            if (d.HasRoom(tokens, nowMs, Fill))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The lease to ask for: what this replica admitted of the client in the last bucket, or in this one so far when
    /// that is more, capped at the configured share of each limit; none for a client with a budget (its spend is checked
    /// on every admission), a quiet one, or one refused a lease in this bucket.
    /// </summary>
    public (long Requests, long Tokens) SizeToAsk(ClientLimits client, long localMs)
    {
        if (_minRequests == 0 || client.Budget is not null || client.LeaseRefusedBucket == localMs / _bucketWidth)
        {
            return default;
        }

        var (requests, tokens) = client.Meter.Recent(localMs);
        if (requests < _minRequests)
        {
            return default;
        }

        requests = Cap(requests, client.Rpm);
        tokens = Cap(Cap(Cap(tokens, client.Tpm), client.TokensPerDay), client.TokensPerMonth);
        return requests < 1 ? default : (requests, tokens);
    }

    private long Cap(long value, long limit) => limit > 0 ? Math.Min(value, (long)(limit * _share)) : value;

    /// <summary>
    /// Notes that Redis found the window too full for a lease: every admission asks Redis again, and none asks for a lease
    /// until the next bucket (nor makes the others wait for one).
    /// </summary>
    public void Refused(ClientLimits client, long localMs) => client.LeaseRefusedBucket = localMs / _bucketWidth;

    /// <summary>
    /// Makes a granted lease the client's current one; what the previous one left is refunded and returned (the grant's
    /// window still counts it: only one admission at a time asks for a lease, so the previous grant came before).
    /// </summary>
    public (long Requests, long Tokens) Install(ClientLimits client, in LimitResult grant, (long Requests, long Tokens) size)
    {
        // Usable until the end of the bucket it was charged to (by Redis's clock, counted from now on ours).
        var remainingMs = Math.Max(0, ((grant.Bucket + 1) * _bucketWidth) - grant.NowMs);
        var expiresAt = _time.GetTimestamp() + (remainingMs * _time.TimestampFrequency / 1000);
        var previous = Interlocked.Exchange(ref client.LeaseSlot, new ClientLease(grant, size.Requests, size.Tokens, expiresAt));
        _leased.TryAdd(client, 0);
        return previous is null ? default : Refund(client, previous);
    }

    private (long Requests, long Tokens) Refund(ClientLimits client, ClientLease lease)
    {
        var (requests, tokens) = lease.Drain();
        if (requests != 0 || tokens != 0)
        {
            var g = lease.Grant;
            _pending.Enqueue(new Adjustment(client.Key, g.Bucket, -tokens, -requests, client.TokensPerDay > 0 ? g.Day : 0,
                client.TokensPerMonth > 0 ? g.Month : 0, Adjustment.Reconcile));
            Volatile.Write(ref client.RefundQueued, 1);
        }

        return (requests, tokens);
    }

    /// <summary>
    /// Ends the client's lease when it has expired (before the flusher's next pass would), queueing the refund of what it
    /// left; true when a refund of the client's may be waiting in the queue, which the caller writes before it asks Redis
    /// for the client's window.
    /// </summary>
    public bool EndExpiredAndTakeRefund(ClientLimits client)
    {
        if (client.Lease is { } lease && _time.GetTimestamp() >= lease.ExpiresAt
            && Interlocked.CompareExchange(ref client.LeaseSlot, null, lease) == lease)
        {
            Refund(client, lease);
        }

        return Volatile.Read(ref client.RefundQueued) == 1 && Interlocked.Exchange(ref client.RefundQueued, 0) == 1;
    }

    /// <summary>Ends expired leases (every lease when <paramref name="all"/>) and queues the refund of what they left.</summary>
    public void EndExpired(bool all)
    {
        var now = _time.GetTimestamp();
        foreach (var (client, _) in _leased)
        {
            if (client.Lease is { } lease && (all || now >= lease.ExpiresAt)
                && Interlocked.CompareExchange(ref client.LeaseSlot, null, lease) == lease)
            {
                Refund(client, lease);
            }

            if (client.Lease is null && _leased.TryRemove(client, out _) && client.Lease is not null)
            {
                // A lease installed between the check and the removal: keep the client swept.
                _leased.TryAdd(client, 0);
            }
        }
    }
}
