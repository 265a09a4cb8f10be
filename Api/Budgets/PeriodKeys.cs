using StackExchange.Redis;

namespace AspireAoai.Api.Budgets;

/// <summary>A client's (and its group's) spend keys for one UTC day and its month.</summary>
internal sealed record PeriodKeys(long Day, long Month, RedisKey DayKey, RedisKey MonthKey, RedisKey GroupDayKey = default,
    RedisKey GroupMonthKey = default);
