using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Budgets;

/// <summary>
/// Ends a budgeted request before its reservation can expire. A reservation that nobody settles stops counting
/// <see cref="BudgetOptions.ReservationTimeout"/> after admission (so a replica that dies cannot hold a budget forever);
/// a request still running then would no longer be reserved, and requests admitted meanwhile could overspend the budget
/// by its cost. So a request that reserved budget is aborted <see cref="Margin"/> (30 s) before its reservation's timeout, and
/// is charged for what was relayed (a stream that ends without its usage chunk is charged the gateway's estimate), which
/// settles the reservation while it still counts. Only budgeted admissions pay for the timer.
/// </summary>
public sealed class ReservationDeadline
{
    /// <summary>
    /// Time left between the abort and the reservation's earliest expiry, for the usage record to reach Redis (the usage
    /// writer's batching is milliseconds): 30 s, or half the timeout when that is shorter (the timeout may be 10 s).
    /// </summary>
    public static TimeSpan Margin(TimeSpan reservationTimeout)
        => reservationTimeout / 2 < TimeSpan.FromSeconds(30) ? reservationTimeout / 2 : TimeSpan.FromSeconds(30);

    private readonly TimeSpan _after;
    private readonly TimeProvider _time;

    public ReservationDeadline(IOptions<BudgetOptions> options, TimeProvider time)
    {
        var timeout = options.Value.ReservationTimeout;
        _after = timeout - Margin(timeout);
        _time = time;
    }

    /// <summary>How long after admission a budgeted request may run.</summary>
    public TimeSpan After => _after;

    /// <summary>Aborts <paramref name="context"/>'s request when it outlives its reservation; the timer goes with the response.</summary>
    public void Start(HttpContext context)
    {
        var timer = new CancellationTokenSource(_after, _time);
        timer.Token.UnsafeRegister(static state => ((HttpContext)state!).Abort(), context);
        context.Response.RegisterForDispose(timer);
    }
}
