using System.Diagnostics.Metrics;
using AspireAoai.Api.Usage;

namespace AspireAoai.Api.Budgets;

/// <summary>
/// Watches the spend every budgeted admission reads: the soft threshold (a warning log and the
/// <c>aoai.budget.soft_limit_reached</c> counter, once per period per replica), refusals
/// (<c>aoai.budget.exceeded</c>) and the <c>aoai.budget.spend</c> gauge (USD, last seen by this replica).
/// </summary>
public sealed partial class BudgetMonitor
{
    /// <summary>Name of the Meter (exported by ServiceDefaults with the other <c>AspireAoai.*</c> meters).</summary>
    public const string MeterName = "AspireAoai.Api.Budgets";

    private static readonly KeyValuePair<string, object?> DayTag = new("period", "day");
    private static readonly KeyValuePair<string, object?> MonthTag = new("period", "month");

    private readonly BudgetCatalog _catalog;
    private readonly TimeProvider _time;
    private readonly ILogger<BudgetMonitor> _logger;
    private readonly Counter<long> _softReached;
    private readonly Counter<long> _exceeded;

    public BudgetMonitor(BudgetCatalog catalog, TimeProvider time, IMeterFactory meters, ILogger<BudgetMonitor> logger)
    {
        _catalog = catalog;
        _time = time;
        _logger = logger;
        var meter = meters.Create(MeterName);
        _softReached = meter.CreateCounter<long>("aoai.budget.soft_limit_reached", "{event}",
            "Times a client's spend crossed the soft threshold of a budget (once per period per replica).");
        _exceeded = meter.CreateCounter<long>("aoai.budget.exceeded", "{request}",
            "Requests refused because the client's budget was spent.");
        meter.CreateObservableGauge("aoai.budget.spend", ObserveSpend, "USD",
            "A budgeted client's spend in the current period, as last read by this replica's admissions.");
    }

    /// <summary>Records the spend an admission read; warns once per period when a soft threshold is crossed.</summary>
    internal void Observe(ClientBudget budget, PeriodKeys keys, long daySpend, long monthSpend)
    {
        budget.Observe(keys, daySpend, monthSpend);
        if (budget.DailyPicodollars > 0 && daySpend >= budget.SoftDailyPicodollars && budget.MarkSoftLimitReached(BudgetPeriod.Day, keys.Day))
        {
            SoftLimitReached(budget, BudgetPeriod.Day, daySpend, budget.DailyUsd!.Value);
        }

        if (budget.MonthlyPicodollars > 0 && monthSpend >= budget.SoftMonthlyPicodollars && budget.MarkSoftLimitReached(BudgetPeriod.Month, keys.Month))
        {
            SoftLimitReached(budget, BudgetPeriod.Month, monthSpend, budget.MonthlyUsd!.Value);
        }
    }

    /// <summary>Counts a refusal.</summary>
    internal void Exceeded(ClientBudget budget, BudgetPeriod period)
        => _exceeded.Add(1, new KeyValuePair<string, object?>("client", budget.ClientId), period == BudgetPeriod.Day ? DayTag : MonthTag);

    private void SoftLimitReached(ClientBudget budget, BudgetPeriod period, long spend, decimal limit)
    {
        _softReached.Add(1, new KeyValuePair<string, object?>("client", budget.ClientId), period == BudgetPeriod.Day ? DayTag : MonthTag);
        LogSoftLimit(_logger, budget.ClientId, period == BudgetPeriod.Day ? "daily" : "monthly", budget.SoftLimitPercent,
            ClientBudget.FormatUsd(SpendKeys.ToDollars(spend)), ClientBudget.FormatUsd(limit));
    }

    private IEnumerable<Measurement<double>> ObserveSpend()
    {
        var now = _time.GetUtcNow();
        foreach (var budget in _catalog.All)
        {
            var client = new KeyValuePair<string, object?>("client", budget.ClientId);
            if (budget.LastSpend(BudgetPeriod.Day, now) is var day and >= 0)
            {
                yield return new Measurement<double>((double)SpendKeys.ToDollars(day), client, DayTag);
            }

            if (budget.LastSpend(BudgetPeriod.Month, now) is var month and >= 0)
            {
                yield return new Measurement<double>((double)SpendKeys.ToDollars(month), client, MonthTag);
            }
        }
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning,
        Message = "Client {ClientId} has used {SoftLimitPercent}% of its {Period} budget ({Spend} of {Limit})")]
    private static partial void LogSoftLimit(ILogger logger, string clientId, string period, int softLimitPercent, string spend, string limit);
}
