using System.Runtime.CompilerServices;
using AspireAoai.Api.Budgets;
using AspireAoai.Api.Usage;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// Checks and charges a client's limits (and reads the pool's deployment windows) in one EVALSHA, applies the
/// Redis-unavailable policy, and queues reconciliations and deployment charges, which <see cref="AdjustmentFlusher"/>
/// writes merged (one entry per key and sub-bucket) a few times a second, so they cost the admission nothing.
/// The pieces: <see cref="ScriptArguments"/> writes the call, <see cref="AdmissionReply"/> reads its answer,
/// <see cref="LeaseKeeper"/> keeps the client leases, <see cref="AdjustmentWriter"/> writes the queue.
/// </summary>
public sealed class ClientLimiter
{
    private readonly RedisLimitConnection _redis;
    private readonly PendingAdjustments _pending = new();
    private readonly TimeProvider _time;
    private readonly RedisFailureMode _failureMode;
    private readonly ScriptArguments _arguments;
    private readonly ArgumentBufferPool _buffers = new();
    private readonly LeaseKeeper _leases;
    private readonly AdjustmentWriter _writer;

    public ClientLimiter(RedisLimitConnection redis, IOptions<RateLimitOptions> options, TimeProvider time, IOptions<BudgetOptions>? budgets = null)
    {
        _redis = redis;
        _time = time;
        var o = options.Value;
        _failureMode = o.FailureMode;
        _arguments = new ScriptArguments(o, (budgets?.Value ?? new BudgetOptions()).ReservationTimeout, time);
        _leases = new LeaseKeeper(o, time, _pending);
        _writer = new AdjustmentWriter(redis, _pending, _arguments);
    }

    /// <summary>Test hook: the server-time override in milliseconds passed to the script (0 = Redis TIME).</summary>
    internal Func<long>? ClockOverride
    {
        get => _arguments.ClockOverride;
        set => _arguments.ClockOverride = value;
    }

    internal PendingAdjustments Pending => _pending;

    internal RedisLimitConnection Connection => _redis;

    /// <summary>How long an unsettled reservation holds budget, in milliseconds (at most one reservation bucket more).</summary>
    internal long ReservationMs => _arguments.ReservationMs;

    /// <summary>
    /// Checks and, when it fits, charges <paramref name="tokens"/> and one request to <paramref name="client"/>; rejects
    /// when no deployment of <paramref name="deployments"/> has room, or when the client's budget is spent (its spend
    /// counters of the current UTC day and month, by this replica's clock, are read in the same call). One Redis
    /// round trip, or none when the client's lease admits the request.
    /// </summary>
    public ValueTask<LimitResult> AcquireAsync(ClientLimits client, DeploymentLimits[] deployments, long tokens, long cost = 0)
    {
        if (_leases.Enabled && client.Budget is null)
        {
            if (client.Lease is { } lease && _leases.TryAdmit(client, lease, deployments, tokens) is { } leased)
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
        if (client.Lease is { } lease && _leases.TryAdmit(client, lease, deployments, tokens) is { } leased)
        {
            return leased;
        }

        return await AcquireFromRedisAsync(client, deployments, tokens, 0).ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<LimitResult> AcquireFromRedisAsync(ClientLimits client, DeploymentLimits[] deployments, long tokens, long cost)
    {
        var localMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var lease = _leases.SizeToAsk(client, localMs);
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
        if (_leases.EndExpiredAndTakeRefund(client))
        {
            // An ended lease's unused part is still charged in Redis until its refund is written: write it first, so the
            // window this admission reads (and its rate-limit headers report) holds only what was used. Once per ended
            // lease, and only for a client that had one.
            await _writer.FlushAsync().ConfigureAwait(false);
        }

        var args = RentArguments(client, deployments, tokens, lease, out var periodKeys, cost);
        var result = await _redis.EvaluateAsync(args.Keys, args.Values).ConfigureAwait(false);
        if (result is null)
        {
            // Not written; the buffer may still be referenced by a timed-out command, so it is not reused.
            return Fallback(client, tokens);
        }

        ReturnArguments(args);
        var reply = new AdmissionReply(result);
        var nowMs = reply.NowMs;
        for (var k = 0; k < deployments.Length; k++)
        {
            deployments[k].Observe(reply.DeploymentRequests(k), reply.DeploymentTokens(k), nowMs);
        }

        var limit = reply.ToResult(periodKeys, cost);
        var leased = reply.Leased;
        if (limit.Admitted)
        {
            client.Meter.Add(localMs, tokens);
            if (leased)
            {
                var replaced = _leases.Install(client, limit, lease);

                // The window Redis reported includes the reservation just made and what the replaced lease left, both
                // unused (the latter is being refunded).
                limit = limit with
                {
                    Requests = limit.Requests - lease.Requests - replaced.Requests,
                    Tokens = limit.Tokens - lease.Tokens - replaced.Tokens,
                };
            }
        }

        if (lease.Requests > 0 && !leased)
        {
            _leases.Refused(client, localMs);
        }

        return limit;
    }

    /// <summary>Ends expired leases and queues the refund of what they left (the flusher calls this every tick).</summary>
    internal void EndExpiredLeases(bool all = false) => _leases.EndExpired(all);

    /// <summary>
    /// The keys and values of one admission call, in a buffer reused between calls (give it back with
    /// <see cref="ReturnArguments"/> once the call completed).
    /// </summary>
    internal ArgumentBuffer RentArguments(ClientLimits client, DeploymentLimits[] deployments, long tokens, (long Requests, long Tokens) lease,
        out PeriodKeys? periodKeys, long cost = 0)
    {
        var args = _buffers.Rent(deployments.Length, ScriptArguments.ScopesOf(client.Budget));
        periodKeys = _arguments.WriteAdmission(args, client, deployments, tokens, lease, cost);
        return args;
    }

    /// <summary>Gives back a buffer of <see cref="RentArguments"/> whose call completed.</summary>
    internal void ReturnArguments(ArgumentBuffer args) => _buffers.Return(args);

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
    /// Releases a reservation whose request's usage will not reach the usage stream (usage reporting off, or a record
    /// dropped before it was queued): queued like a reconciliation, written by the next flush.
    /// </summary>
    internal void Release(Reservation reservation)
    {
        _pending.Enqueue(new Adjustment(reservation.ClientKey, reservation.Bucket, reservation.Picodollars, 0, 0, 0, Adjustment.Release));
        if (reservation.GroupKey is { } group)
        {
            _pending.Enqueue(new Adjustment(group, reservation.Bucket, reservation.Picodollars, 0, 0, 0, Adjustment.Release));
        }
    }

    /// <summary>Writes the queued adjustments, merged; returns how many were written (see <see cref="AdjustmentWriter.FlushAsync"/>).</summary>
    internal Task<int> FlushAsync() => _writer.FlushAsync();

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
}
