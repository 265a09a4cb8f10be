using System.Globalization;
using AspireAoai.Api.Usage;
using StackExchange.Redis;

namespace AspireAoai.Api.Budgets;

/// <summary>
/// Reads the running spend counters (picodollars, <see cref="SpendKeys"/>) of the current UTC day and month, by this
/// replica's clock: the numbers admission checks budgets against. One MGET per client.
/// </summary>
public sealed partial class LiveSpendReader(IServiceProvider services, BudgetCatalog budgets, TimeProvider time, ILogger<LiveSpendReader> logger)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    // Resolved lazily: the multiplexer exists only when Redis is configured.
    private readonly Lazy<IConnectionMultiplexer?> _redis = new(services.GetService<IConnectionMultiplexer>);

    public async Task<LiveSpend> ReadAsync(string clientId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var utc = now.UtcDateTime;
        var budget = budgets.For(clientId);
        var view = budget is null ? null : new BudgetView(Usd(budget.DailyUsd), Usd(budget.MonthlyUsd), budget.SoftLimitPercent);
        var date = utc.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var month = utc.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        if (_redis.Value is not { IsConnected: true } redis)
        {
            return new LiveSpend(date, month, false, null, null, view);
        }

        try
        {
            var values = await redis.GetDatabase()
                .StringGetAsync([SpendKeys.Day(clientId, utc), SpendKeys.Month(clientId, utc)])
                .WaitAsync(Timeout, time, cancellationToken).ConfigureAwait(false);
            return new LiveSpend(date, month, true, Dollars(values[0]), Dollars(values[1]), view);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogUnavailable(logger, ex.GetType().Name);
            return new LiveSpend(date, month, false, null, null, view);
        }
    }

    private static string Dollars(RedisValue value)
        => UsageSum.Format(value.IsNull || !value.TryParse(out long pico) ? 0m : SpendKeys.ToDollars(pico));

    private static string? Usd(decimal? value) => value is { } v ? UsageSum.Format(v) : null;

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Could not read the running spend from Redis ({Reason})")]
    private static partial void LogUnavailable(ILogger logger, string reason);
}
