using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using AspireAoai.Api.Budgets;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireAoai.Api.RateLimiting;

/// <summary>Where an admission decision came from.</summary>
public enum LimitSource
{
    /// <summary>Redis decided, in this request's own round trip.</summary>
    Redis,

    /// <summary>Redis unavailable: this replica's share of the limits decided (fail-open).</summary>
    Local,

    /// <summary>Redis unavailable and the policy is fail-closed.</summary>
    Unavailable,

    /// <summary>Admitted from a lease Redis granted this replica (charged in Redis ahead of use).</summary>
    Lease,
}

/// <summary>An admission decision with what the response headers and a later reconciliation need.</summary>
public readonly record struct LimitResult(
    bool Admitted,
    int Reason,
    long RetryAfterMs,
    long Requests,
    long Tokens,
    long NowMs,
    long Bucket,
    long Day,
    long Month,
    LimitSource Source)
{
    /// <summary>The client's spend today (picodollars) as the admission read it; -1 when not read.</summary>
    public long DaySpend { get; init; } = -1;

    /// <summary>The client's spend this month (picodollars) as the admission read it; -1 when not read.</summary>
    public long MonthSpend { get; init; } = -1;

    /// <summary>The spend keys (and their periods) the admission read; null when the client has no budget.</summary>
    internal PeriodKeys? PeriodKeys { get; init; }

    /// <summary>The budget figures of a budgeted admission (spend of the group, reservations, this request's); null otherwise.</summary>
    public BudgetReading? Budget { get; init; }

    /// <summary>True when the request was charged in Redis (in its own round trip or through a lease).</summary>
    public bool InRedis => Source is LimitSource.Redis or LimitSource.Lease;

    /// <summary>True when a spent budget refused the request.</summary>
    public bool BudgetExceeded => Reason is SlidingWindowScript.ReasonBudgetDay or SlidingWindowScript.ReasonBudgetMonth
        or SlidingWindowScript.ReasonGroupBudgetDay or SlidingWindowScript.ReasonGroupBudgetMonth;

    public bool TooLarge => Reason is SlidingWindowScript.ReasonTooLargeTpm or SlidingWindowScript.ReasonTooLargeDay or SlidingWindowScript.ReasonTooLargeMonth;
}

/// <summary>
/// Checks and charges a client's limits (and reads the pool's deployment windows) in one EVALSHA, applies the
/// Redis-unavailable policy, and queues reconciliations and deployment charges, which <see cref="AdjustmentFlusher"/>
/// writes merged (one entry per key and sub-bucket) a few times a second, so they cost the admission nothing.
/// </summary>
public sealed partial class RateLimiter
{
    /// <summary>Merged adjustments per flush call.</summary>
    internal const int FlushBatch = 64;

    /// <summary>Queued adjustments one flush pass takes and merges before writing.</summary>
    internal const int FlushTake = 4096;

    private static readonly RedisValue AdmitMode = "a";
    private static readonly RedisValue FlushMode = "f";
    private static readonly RedisValue Zero = 0;
    private static readonly RedisValue One = "1";
    private static readonly RedisValue ZeroFlag = "0";
    private static readonly RedisValue Two = "2";

    private readonly RedisLimitConnection _redis;
    private readonly PendingAdjustments _pending = new();
    private readonly TimeProvider _time;
    private readonly RedisFailureMode _failureMode;
    private readonly RedisValue _bucketMs;
    private readonly RedisValue _window;
    private readonly RedisValue _ttl;
    private readonly int _bucketWidth;
    private readonly ConcurrentQueue<ArgsBuffer>[] _buffers;
    private readonly ConcurrentDictionary<ClientLimits, byte> _leased = new();
    private readonly int _leaseMinRequests;
    private readonly double _leaseShare;
    private static readonly RedisValue LeaseFillArgument = LeaseFill;

    /// <summary>A lease is granted only while the window stays at most this full with it; the lease path needs that much room.</summary>
    internal const double LeaseFill = 0.5;

    public RateLimiter(RedisLimitConnection redis, IOptions<RateLimitOptions> options, TimeProvider time, IOptions<BudgetOptions>? budgets = null)
    {
        var reservation = (budgets?.Value ?? new BudgetOptions()).ReservationTimeout;
        _reservationMs = (long)reservation.TotalMilliseconds;
        _redis = redis;
        _time = time;
        var o = options.Value;
        _failureMode = o.FailureMode;
        _bucketWidth = o.BucketMilliseconds;
        _bucketMs = o.BucketMilliseconds;
        _window = 60_000 / o.BucketMilliseconds;
        _ttl = 60_000 + (2 * o.BucketMilliseconds);
        _leaseMinRequests = o.Leases ? o.LeaseMinRequests : 0;
        _leaseShare = o.LeaseMaxShare;
        _buffers = new ConcurrentQueue<ArgsBuffer>[3 * 65];
        for (var i = 0; i < _buffers.Length; i++)
        {
            _buffers[i] = new ConcurrentQueue<ArgsBuffer>();
        }
    }

    /// <summary>Test hook: the server-time override in milliseconds passed to the script (0 = Redis TIME).</summary>
    internal Func<long>? ClockOverride { get; set; }

    internal PendingAdjustments Pending => _pending;

    internal RedisLimitConnection Connection => _redis;

    /// <summary>
    /// Checks and, when it fits, charges <paramref name="tokens"/> and one request to <paramref name="client"/>; rejects
    /// when no deployment of <paramref name="deployments"/> has room, or when the client's budget is spent (its spend
    /// counters of the current UTC day and month, by this replica's clock, are read in the same call). One Redis
    /// round trip, or none when the client's lease admits the request.
    /// </summary>
    public ValueTask<LimitResult> AcquireAsync(ClientLimits client, DeploymentLimits[] deployments, long tokens, long cost = 0)
    {
        if (_leaseMinRequests > 0 && client.Budget is null)
        {
            if (client.Lease is { } lease && TryLease(client, lease, deployments, tokens) is { } leased)
            {
                return ValueTask.FromResult(leased);
            }

            // The next lease is being asked for: take from it rather than pay a round trip of one's own.
            if (Volatile.Read(ref client.RenewalSlot) is { } renewal)
            {
                return AfterRenewalAsync(renewal.Task, client, deployments, tokens);
            }
        }

        return AcquireFromRedisAsync(client, deployments, tokens, cost);
    }

    private async ValueTask<LimitResult> AfterRenewalAsync(Task renewal, ClientLimits client, DeploymentLimits[] deployments, long tokens)
    {
        await renewal.ConfigureAwait(false);
        if (client.Lease is { } lease && TryLease(client, lease, deployments, tokens) is { } leased)
        {
            return leased;
        }

        return await AcquireFromRedisAsync(client, deployments, tokens, 0).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<LimitResult> AcquireFromRedisAsync(ClientLimits client, DeploymentLimits[] deployments, long tokens, long cost)
    {
        var localMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var lease = LeaseToAsk(client, localMs);
        TaskCompletionSource? renewal = null;
        if (lease.Requests > 0)
        {
            // One admission at a time asks for the client's next lease; the admissions that find no lease meanwhile wait
            // for it (AcquireAsync). Without this, every request in flight when a lease ran out asked Redis, and each
            // reserved a lease of its own only to have it refunded by the next.
            renewal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (Interlocked.CompareExchange(ref client.RenewalSlot, renewal, null) is not null)
            {
                renewal = null;
                lease = default;
            }
        }

        try
        {
            return await AdmitInRedisAsync(client, deployments, tokens, localMs, lease, cost).ConfigureAwait(false);
        }
        finally
        {
            if (renewal is not null)
            {
                Volatile.Write(ref client.RenewalSlot, null);
                renewal.TrySetResult();
            }
        }
    }

    private async ValueTask<LimitResult> AdmitInRedisAsync(ClientLimits client, DeploymentLimits[] deployments, long tokens, long localMs,
        (long Requests, long Tokens) lease, long cost)
    {
        var args = RentArguments(client, deployments, tokens, lease, out var periodKeys, cost);
        var result = await _redis.EvaluateAsync(args.Keys, args.Values).ConfigureAwait(false);
        if (result is null)
        {
            // Not written; the buffer may still be referenced by a timed-out command, so it is not reused.
            return Fallback(client, tokens);
        }

        ReturnArguments(args);
        var d = deployments.Length;
        var reply = (RedisResult[])result!;
        var nowMs = (long)reply[5];
        for (var k = 0; k < d; k++)
        {
            deployments[k].Observe((long)reply[SlidingWindowScript.ReplyFixed + (2 * k)], (long)reply[SlidingWindowScript.ReplyFixed + (2 * k) + 1], nowMs);
        }

        var admitted = (long)reply[0] == 1;
        var limit = new LimitResult(admitted, (int)reply[2], (long)reply[1], (long)reply[3], (long)reply[4], nowMs,
            (long)reply[6], (long)reply[7], (long)reply[8], LimitSource.Redis)
        {
            DaySpend = Spend(reply[9]),
            MonthSpend = Spend(reply[10]),
            PeriodKeys = periodKeys,
            Budget = periodKeys is null ? null : ReadBudget(reply, cost),
        };
        var leased = (long)reply[11] == 1;
        if (admitted)
        {
            client.Meter.Add(localMs, tokens);
            if (leased)
            {
                Install(client, limit, lease);

                // The window Redis reported includes the reservation just made, not used yet.
                limit = limit with { Requests = limit.Requests - lease.Requests, Tokens = limit.Tokens - lease.Tokens };
            }
        }

        if (lease.Requests > 0 && !leased)
        {
            // The window is too full for a lease: every admission asks Redis again, and none asks for a lease until the
            // next bucket (nor makes the others wait for one).
            client.LeaseRefusedBucket = localMs / _bucketWidth;
        }

        return limit;
    }

    /// <summary>
    /// Admits from the client's lease when it has a request and the tokens left, has not expired, and some deployment of
    /// the pool has room by the last windows read (kept at most half full: near capacity every admission asks Redis).
    /// </summary>
    private LimitResult? TryLease(ClientLimits client, ClientLease lease, DeploymentLimits[] deployments, long tokens)
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
            if (d.HasRoom(tokens, nowMs, LeaseFill))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Makes a granted lease the client's current one; what the previous one left is refunded.</summary>
    private void Install(ClientLimits client, in LimitResult grant, (long Requests, long Tokens) size)
    {
        // Usable until the end of the bucket it was charged to (by Redis's clock, counted from now on ours).
        var remainingMs = Math.Max(0, ((grant.Bucket + 1) * _bucketWidth) - grant.NowMs);
        var expiresAt = _time.GetTimestamp() + (remainingMs * _time.TimestampFrequency / 1000);
        var previous = Interlocked.Exchange(ref client.LeaseSlot, new ClientLease(grant, size.Requests, size.Tokens, expiresAt));
        _leased.TryAdd(client, 0);
        if (previous is not null)
        {
            Refund(client, previous);
        }
    }

    private void Refund(ClientLimits client, ClientLease lease)
    {
        var (requests, tokens) = lease.Drain();
        if (requests != 0 || tokens != 0)
        {
            var g = lease.Grant;
            _pending.Enqueue(new Adjustment(client.Key, g.Bucket, -tokens, -requests, client.TokensPerDay > 0 ? g.Day : 0,
                client.TokensPerMonth > 0 ? g.Month : 0, Adjustment.Reconcile));
        }
    }

    /// <summary>Ends expired leases and queues the refund of what they left (the flusher calls this every tick).</summary>
    internal void EndExpiredLeases(bool all = false)
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

    /// <summary>
    /// The keys and values of one admission call, in a buffer reused between calls (give it back with
    /// <see cref="ReturnArguments"/> once the call completed).
    /// </summary>
    internal ArgsBuffer RentArguments(ClientLimits client, DeploymentLimits[] deployments, long tokens, (long Requests, long Tokens) lease,
        out PeriodKeys? periodKeys, long cost = 0)
    {
        var d = deployments.Length;
        var budget = client.Budget;
        var scopes = budget is null ? 0 : budget.Group is null ? 1 : 2;
        if (!_buffers[ArgsBuffer.PoolOf(d, scopes)].TryDequeue(out var args))
        {
            args = new ArgsBuffer(d, scopes);
        }

        var keys = args.Keys;
        var values = args.Values;
        keys[0] = client.Key;
        WriteCommon(values, AdmitMode);
        values[5] = tokens;
        values[6] = client.Rpm;
        values[7] = client.Tpm;
        values[8] = client.TokensPerDay;
        values[9] = client.TokensPerMonth;
        values[10] = d;
        periodKeys = null;
        if (budget is null)
        {
            values[11] = Zero;
            values[12] = Zero;
            values[16] = Zero;
            values[17] = Zero;
            values[18] = Zero;
            values[19] = Zero;
            values[20] = Zero;
        }
        else
        {
            periodKeys = budget.KeysAt(_time.GetUtcNow());
            WriteBudget(keys, values, d, budget, periodKeys, cost);
        }

        values[13] = lease.Requests;
        values[14] = lease.Tokens;
        values[15] = LeaseFillArgument;
        for (var k = 0; k < d; k++)
        {
            keys[1 + k] = deployments[k].Key;
            values[SlidingWindowScript.AdmitFixedArgs + (2 * k)] = deployments[k].UsableTpm;
            values[SlidingWindowScript.AdmitFixedArgs + (2 * k) + 1] = deployments[k].UsableRpm;
        }

        return args;
    }

    /// <summary>
    /// The lease to ask for: what this replica admitted of the client in the last bucket, or in this one so far when
    /// that is more, capped at the configured share of each limit; none for a client with a budget (its spend is checked
    /// on every admission), a quiet one, or one refused a lease in this bucket.
    /// </summary>
    private (long Requests, long Tokens) LeaseToAsk(ClientLimits client, long localMs)
    {
        if (_leaseMinRequests == 0 || client.Budget is not null || client.LeaseRefusedBucket == localMs / _bucketWidth)
        {
            return default;
        }

        var (requests, tokens) = client.Meter.Recent(localMs);
        if (requests < _leaseMinRequests)
        {
            return default;
        }

        requests = Cap(requests, client.Rpm);
        tokens = Cap(Cap(Cap(tokens, client.Tpm), client.TokensPerDay), client.TokensPerMonth);
        return requests < 1 ? default : (requests, tokens);

        long Cap(long value, long limit) => limit > 0 ? Math.Min(value, (long)(limit * _leaseShare)) : value;
    }

    /// <summary>The arguments both modes of the script start with: mode, clock override, bucket width, window, ttl.</summary>
    private void WriteCommon(RedisValue[] values, RedisValue mode)
    {
        values[0] = mode;
        values[1] = ClockOverride?.Invoke() ?? 0;
        values[2] = _bucketMs;
        values[3] = _window;
        values[4] = _ttl;
    }

    /// <summary>Gives back a buffer of <see cref="RentArguments"/> whose call completed.</summary>
    internal void ReturnArguments(ArgsBuffer args) => _buffers[args.Pool].Enqueue(args);

    /// <summary>A spend counter as the script returned it: an exact integer string, or nil when it was not read.</summary>
    private static long Spend(RedisResult value)
        => !value.IsNull && long.TryParse((string)value!, NumberStyles.Integer, CultureInfo.InvariantCulture, out var spend) ? spend : -1;

    /// <summary>
    /// Reconciles a request admitted by <paramref name="admitted"/> once its actual tokens are known: refunds or charges the
    /// difference in the sub-bucket it was charged to (and its day and month), so the window holds what was really used.
    /// </summary>
    public void Reconcile(ClientLimits client, in LimitResult admitted, long charged, long actual)
    {
        var delta = actual - charged;
        if (delta == 0 || !admitted.Admitted || !client.HasTokenLimits)
        {
            // Without a token limit (a client with only an RPM or a budget) the window's tokens are never checked.
            return;
        }

        if (admitted.Source == LimitSource.Local)
        {
            client.Local.Adjust(admitted.Bucket, delta);
            return;
        }

        if (admitted.InRedis)
        {
            _pending.Enqueue(new Adjustment(client.Key, admitted.Bucket, delta, 0, client.TokensPerDay > 0 ? admitted.Day : 0,
                client.TokensPerMonth > 0 ? admitted.Month : 0, Adjustment.Reconcile));
        }
    }

    /// <summary>Charges a deployment with a request's actual tokens, in the sub-bucket of its admission.</summary>
    public void ChargeDeployment(DeploymentLimits deployment, in LimitResult admitted, long tokens)
    {
        deployment.AddLocal(tokens);
        if (admitted.InRedis)
        {
            _pending.Enqueue(new Adjustment(deployment.Key, admitted.Bucket, tokens, 1, 0, 0, Adjustment.Charge));
        }
    }

    /// <summary>
    /// Writes the adjustments queued when the pass starts, merged: adjustments of one key, sub-bucket, day and month
    /// become one (a busy deployment gets one charge per bucket, not one per request). Those queued meanwhile wait for
    /// the next pass: a busy replica makes one call a pass instead of chasing its own queue with a call per round trip.
    /// Returns how many queued adjustments were written; on failure the rest go back to the queue.
    /// </summary>
    internal async Task<int> FlushAsync()
    {
        var written = 0;
        var due = _pending.Count;
        while (due > 0 && _redis.IsAvailable)
        {
            var merged = new Dictionary<MergeKey, Merged>();
            var taken = 0;
            while (taken < FlushTake && taken < due && _pending.TryDequeue(out var a))
            {
                taken++;
                var key = new MergeKey(a.Key, a.Bucket, a.Day, a.Month, a.Kind);
                merged[key] = merged.TryGetValue(key, out var m)
                    ? new Merged(m.Tokens + a.Tokens, m.Requests + a.Requests, m.Count + 1)
                    : new Merged(a.Tokens, a.Requests, 1);
            }

            due -= taken;
            if (merged.Count == 0)
            {
                break;
            }

            var batch = new List<KeyValuePair<MergeKey, Merged>>(merged);
            for (var first = 0; first < batch.Count; first += FlushBatch)
            {
                var count = Math.Min(FlushBatch, batch.Count - first);
                if (!await WriteAdjustmentsAsync(batch, first, count).ConfigureAwait(false))
                {
                    for (var i = first; i < batch.Count; i++)
                    {
                        var (k, m) = (batch[i].Key, batch[i].Value);
                        _pending.Enqueue(new Adjustment(k.Key, k.Bucket, m.Tokens, m.Requests, k.Day, k.Month, k.Kind));
                    }

                    return written;
                }

                for (var i = first; i < first + count; i++)
                {
                    written += batch[i].Value.Count;
                }
            }
        }

        return written;
    }

    private async Task<bool> WriteAdjustmentsAsync(List<KeyValuePair<MergeKey, Merged>> batch, int first, int count)
    {
        var keys = new RedisKey[count];
        var values = new RedisValue[SlidingWindowScript.FlushFixedArgs + (count * SlidingWindowScript.ArgsPerAdjustment)];
        WriteCommon(values, FlushMode);
        values[5] = count;
        for (var i = 0; i < count; i++)
        {
            var (k, m) = (batch[first + i].Key, batch[first + i].Value);
            keys[i] = k.Key;
            var v = SlidingWindowScript.FlushFixedArgs + (i * SlidingWindowScript.ArgsPerAdjustment);
            values[v] = k.Bucket;
            values[v + 1] = m.Tokens;
            values[v + 2] = m.Requests;
            values[v + 3] = k.Day;
            values[v + 4] = k.Month;
            values[v + 5] = k.Kind switch { Adjustment.Charge => One, Adjustment.Release => Two, _ => ZeroFlag };
        }

        return await _redis.EvaluateAsync(keys, values).ConfigureAwait(false) is not null;
    }

    private readonly record struct MergeKey(RedisKey Key, long Bucket, long Day, long Month, byte Kind);

    private readonly record struct Merged(long Tokens, long Requests, int Count);

    private LimitResult Fallback(ClientLimits client, long tokens)
    {
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        if ((client.FailureMode ?? _failureMode) == RedisFailureMode.FailClosed)
        {
            // A budgeted client's mode defaults to FailClosed (LimitCatalog): a budget that cannot be checked is not a budget.
            return new LimitResult(false, 0, 0, 0, 0, nowMs, 0, 0, 0, LimitSource.Unavailable);
        }

        var local = client.Local.TryAcquire(nowMs, tokens);
        var reason = local.Admitted ? SlidingWindowScript.ReasonNone
            : local.TooLarge ? SlidingWindowScript.ReasonTooLargeTpm
            : client.Rpm > 0 && local.Requests + 1 > client.Local.Rpm ? SlidingWindowScript.ReasonRpm : SlidingWindowScript.ReasonTpm;
        return new LimitResult(local.Admitted, reason, local.RetryAfterMs, local.Requests, local.Tokens, nowMs, local.Bucket, 0, 0, LimitSource.Local);
    }

    /// <summary>Keys and values of one admission call for a pool of a given size, reused between calls.</summary>
    /// <param name="deployments">Deployments of the pool.</param>
    /// <param name="scopes">Budget scopes: 0 none, 1 the client's, 2 the client's and its group's (3 keys each).</param>
    internal sealed class ArgsBuffer(int deployments, int scopes)
    {
        /// <summary>Index of the free list this buffer goes back to.</summary>
        public int Pool { get; } = PoolOf(deployments, scopes);

        public static int PoolOf(int deployments, int scopes) => (scopes * 65) + deployments;

        public RedisKey[] Keys { get; } = new RedisKey[1 + deployments + (3 * scopes)];

        public RedisValue[] Values { get; } = new RedisValue[SlidingWindowScript.AdmitFixedArgs + (2 * deployments)];
    }
}
