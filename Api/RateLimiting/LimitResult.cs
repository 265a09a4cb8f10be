using AspireAoai.Api.Budgets;

namespace AspireAoai.Api.RateLimiting;

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

    /// <summary>True when the request alone exceeds a limit (TPM, day or month quota): no wait makes it fit.</summary>
    public bool TooLarge => Reason is SlidingWindowScript.ReasonTooLargeTpm or SlidingWindowScript.ReasonTooLargeDay or SlidingWindowScript.ReasonTooLargeMonth;
}
