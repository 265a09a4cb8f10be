namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// What a budgeted admission read and reserved: the request's worst-case cost, the reservations in flight (this one
/// included when admitted), the group's spend, and the expiry bucket its reservation went to (0 = none).
/// </summary>
public sealed record BudgetReading(long Cost, long ClientReserved, long GroupDaySpend, long GroupMonthSpend, long GroupReserved,
    long ReservationBucket);
