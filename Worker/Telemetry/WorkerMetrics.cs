using System.Diagnostics.Metrics;
using AspireAoai.Worker.Aggregation;

namespace AspireAoai.Worker.Telemetry;

/// <summary>
/// Meter <c>AspireAoai.Worker</c>. Spend and tokens are counters tagged by client and model, so the dashboard
/// graphs spend per client; they count each event once (when it first lands in its usage document). The gauge
/// <c>aoai.worker.spend.day</c> is the day's spend so far per client and model (<see cref="DailySpend"/>).
/// </summary>
public sealed class WorkerMetrics : IDisposable
{
    public const string MeterName = "AspireAoai.Worker";

    private readonly Meter _meter;
    private readonly Counter<long> _events;
    private readonly Counter<double> _cost;
    private readonly Counter<long> _tokens;
    private readonly Counter<long> _unpriced;
    private readonly Histogram<double> _batchDuration;
    private readonly Histogram<double> _lag;
    private long _streamLength;
    private long _pendingCount;
    private double _oldestPendingAge;

    public WorkerMetrics(IMeterFactory meterFactory, DailySpend dailySpend)
    {
        _meter = meterFactory.Create(MeterName);
        _events = _meter.CreateCounter<long>("aoai.worker.events", "{event}",
            "Usage events handled, by outcome: applied, duplicate (already in the totals), dead_letter.");
        _cost = _meter.CreateCounter<double>("aoai.worker.cost", "USD", "Spend aggregated, by client and model.");
        _tokens = _meter.CreateCounter<long>("aoai.worker.tokens", "{token}",
            "Tokens aggregated, by client, model and type (input, cached_input, output).");
        _unpriced = _meter.CreateCounter<long>("aoai.worker.unpriced", "{event}", "Events with no price for their model.");
        _batchDuration = _meter.CreateHistogram<double>("aoai.worker.batch.duration", "s", "Time to aggregate and acknowledge one batch.");
        _lag = _meter.CreateHistogram<double>("aoai.worker.lag", "s", "From XADD to the event's totals being written.");
        _meter.CreateObservableGauge("aoai.worker.stream.length", () => Volatile.Read(ref _streamLength), "{entry}", "Entries in the usage stream.");
        _meter.CreateObservableGauge("aoai.worker.pending", () => Volatile.Read(ref _pendingCount), "{entry}", "Entries delivered and not yet acknowledged.");
        _meter.CreateObservableGauge("aoai.worker.spend.day", dailySpend.Observe, "USD",
            "Spend of the current UTC day so far, by client and model, from the usage documents (what the usage API reports).");
        _meter.CreateObservableGauge("aoai.worker.pending.oldest_age", () => Volatile.Read(ref _oldestPendingAge), "s", "Age of the oldest unacknowledged entry.");
    }

    public void EventsHandled(string outcome, long count)
    {
        if (count > 0) _events.Add(count, new KeyValuePair<string, object?>("outcome", outcome));
    }

    /// <summary>Records an event that just entered its usage totals.</summary>
    public void Applied(in AppliedEvent e, DateTimeOffset now)
    {
        var client = new KeyValuePair<string, object?>("client", e.Usage.ClientId);
        var model = new KeyValuePair<string, object?>("model", e.Cost.Model);
        if (e.Cost.Cost is { } cost) _cost.Add((double)cost, client, model);
        else _unpriced.Add(1, client, model);
        var uncached = e.Usage.InputTokens - e.Usage.CachedInputTokens;
        if (uncached > 0) _tokens.Add(uncached, client, model, new("type", "input"));
        if (e.Usage.CachedInputTokens > 0) _tokens.Add(e.Usage.CachedInputTokens, client, model, new("type", "cached_input"));
        if (e.Usage.OutputTokens > 0) _tokens.Add(e.Usage.OutputTokens, client, model, new("type", "output"));
        _lag.Record(Math.Max(0, (now.ToUnixTimeMilliseconds() - e.Id.Milliseconds) / 1000.0));
    }

    public void BatchCompleted(TimeSpan duration) => _batchDuration.Record(duration.TotalSeconds);

    public void StreamSampled(long length, long pending, TimeSpan oldestPendingAge)
    {
        Volatile.Write(ref _streamLength, length);
        Volatile.Write(ref _pendingCount, pending);
        Volatile.Write(ref _oldestPendingAge, oldestPendingAge.TotalSeconds);
    }

    public void Dispose() => _meter.Dispose();
}
