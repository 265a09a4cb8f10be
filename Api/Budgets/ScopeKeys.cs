using StackExchange.Redis;

namespace AspireAoai.Api.Budgets;

/// <summary>A scope's spend keys for one UTC day and its month.</summary>
internal sealed record ScopeKeys(long Day, long Month, RedisKey DayKey, RedisKey MonthKey);
