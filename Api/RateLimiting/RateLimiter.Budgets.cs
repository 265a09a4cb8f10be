using System.Globalization;
using AspireAoai.Api.Budgets;
using AspireAoai.Api.Usage;
using StackExchange.Redis;

namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// What a budgeted admission read and reserved: the request's worst-case cost, the reservations in flight (this one
/// included when admitted), the group's spend, and the expiry bucket its reservation went to (0 = none).
/// </summary>
public sealed record BudgetReading(long Cost, long ClientReserved, long GroupDaySpend, long GroupMonthSpend, long GroupReserved,
    long ReservationBucket);

public sealed partial class RateLimiter
{
    private static readonly RedisValue ReservationBucketArgument = BudgetOptions.ReservationBucketMs;

    private readonly long _reservationMs;

    /// <summary>How long an unsettled reservation holds budget, in milliseconds (at most one reservation bucket more).</summary>
    internal long ReservationMs => _reservationMs;

    /// <summary>
    /// Keys and values of a budgeted admission: the client's spend counters and reservations, its group's when it has one,
    /// the limits and the worst-case cost (written as an exact integer string: picodollars can pass 2^53).
    /// </summary>
    private void WriteBudget(RedisKey[] keys, RedisValue[] values, int d, ClientBudget budget, PeriodKeys periodKeys, long cost)
    {
        keys[1 + d] = periodKeys.DayKey;
        keys[2 + d] = periodKeys.MonthKey;
        keys[3 + d] = budget.ReservationKey;
        values[11] = budget.DailyPicodollars;
        values[12] = budget.MonthlyPicodollars;
        if (budget.Group is { } group)
        {
            keys[4 + d] = periodKeys.GroupDayKey;
            keys[5 + d] = periodKeys.GroupMonthKey;
            keys[6 + d] = group.ReservationKey;
            values[16] = group.DailyPicodollars;
            values[17] = group.MonthlyPicodollars;
        }
        else
        {
            values[16] = Zero;
            values[17] = Zero;
        }

        values[18] = cost.ToString(CultureInfo.InvariantCulture);
        values[19] = _reservationMs;
        values[20] = ReservationBucketArgument;
    }

    private static BudgetReading ReadBudget(RedisResult[] reply, long cost)
        => new(cost, (long)reply[12], Spend(reply[13]), Spend(reply[14]), (long)reply[15], (long)reply[16]);

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
}
