using System.Diagnostics.Metrics;

namespace AspireAoai.Api.Budgets;

/// <summary>
/// Watches the spend every budgeted admission reads, per budget (a client's own and its group's): the soft threshold (a
/// warning log and the <c>aoai.budget.soft_limit_reached</c> counter, once per period per replica), refusals
/// (<c>aoai.budget.exceeded</c>) and the <c>aoai.budget.spend</c> gauge (USD, last seen by this replica). A group's
/// measurements carry a <c>group</c> tag; a client's carry <c>client</c> and, when it is in one, its <c>group</c>.
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
            "Times a budget's spend crossed its soft threshold (once per period per replica); tagged with the client or the group.");
        _exceeded = meter.CreateCounter<long>("aoai.budget.exceeded", "{request}",
            "Requests refused because their worst-case cost did not fit what was left of a budget.");
        meter.CreateObservableGauge("aoai.budget.spend", ObserveSpend, "USD",
            "A budget's spend in the current period, as last read by this replica's admissions.");
    }

    /// <summary>Records the spend an admission read of one budget; warns once per period when its soft threshold is crossed.</summary>
    internal void Observe(ClientBudget client, BudgetScope budget, long day, long month, long daySpend, long monthSpend)
    {
        budget.Observe(day, month, daySpend, monthSpend);
        if (budget.DailyPicodollars > 0 && daySpend >= budget.SoftDailyPicodollars && budget.MarkSoftLimitReached(BudgetPeriod.Day, day))
        {
            SoftLimitReached(client, budget, BudgetPeriod.Day, daySpend, budget.DailyUsd!.Value);
        }

        if (budget.MonthlyPicodollars > 0 && monthSpend >= budget.SoftMonthlyPicodollars && budget.MarkSoftLimitReached(BudgetPeriod.Month, month))
        {
            SoftLimitReached(client, budget, BudgetPeriod.Month, monthSpend, budget.MonthlyUsd!.Value);
        }
    }

    /// <summary>Counts a refusal by <paramref name="budget"/>, tagged with the client and its group.</summary>
    internal void Exceeded(ClientBudget client, BudgetScope budget, BudgetPeriod period)
        => _exceeded.Add(1, new KeyValuePair<string, object?>("client", client.ClientId),
            new KeyValuePair<string, object?>("group", client.Group?.Id), new KeyValuePair<string, object?>("budget", budget.Kind),
            period == BudgetPeriod.Day ? DayTag : MonthTag);

    private void SoftLimitReached(ClientBudget client, BudgetScope budget, BudgetPeriod period, long spend, decimal limit)
    {
        var tag = budget.IsGroup ? new KeyValuePair<string, object?>("group", budget.Id) : new KeyValuePair<string, object?>("client", budget.Id);
        if (budget.IsGroup || client.Group is null)
        {
            _softReached.Add(1, tag, period == BudgetPeriod.Day ? DayTag : MonthTag);
        }
        else
        {
            _softReached.Add(1, tag, new KeyValuePair<string, object?>("group", client.Group.Id), period == BudgetPeriod.Day ? DayTag : MonthTag);
        }

        LogSoftLimit(_logger, budget.Kind, budget.Id, budget.SoftLimitPercent, period == BudgetPeriod.Day ? "daily" : "monthly",
            ClientBudget.FormatUsd(SpendKeys.ToDollars(spend)), ClientBudget.FormatUsd(limit));
    }

    private IEnumerable<Measurement<double>> ObserveSpend()
    {
        var now = _time.GetUtcNow();
        foreach (var budget in _catalog.All)
        {
            if (budget.Own is { } own)
            {
                var tags = new KeyValuePair<string, object?>("client", own.Id);
                foreach (var m in Measure(own, tags, now))
                {
                    yield return m;
                }
            }
        }

        foreach (var group in _catalog.Groups)
        {
            foreach (var m in Measure(group, new KeyValuePair<string, object?>("group", group.Id), now))
            {
                yield return m;
            }
        }
    }

    private static IEnumerable<Measurement<double>> Measure(BudgetScope budget, KeyValuePair<string, object?> tag, DateTimeOffset now)
    {
        if (budget.LastSpend(BudgetPeriod.Day, now) is var day and >= 0)
        {
            yield return new Measurement<double>((double)SpendKeys.ToDollars(day), tag, DayTag);
        }

        if (budget.LastSpend(BudgetPeriod.Month, now) is var month and >= 0)
        {
            yield return new Measurement<double>((double)SpendKeys.ToDollars(month), tag, MonthTag);
        }
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning,
        Message = "The {Kind} budget {BudgetId} has used {SoftLimitPercent}% of its {Period} budget ({Spend} of {Limit})")]
    private static partial void LogSoftLimit(ILogger logger, string kind, string budgetId, int softLimitPercent, string period, string spend, string limit);
}
