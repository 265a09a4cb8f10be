using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using AspireAoai.Worker.Aggregation;

namespace AspireAoai.Worker.Telemetry;

/// <summary>
/// The current UTC day's spend per client and model, as the gauge <c>aoai.worker.spend.day</c> shows it. It is taken from
/// the usage documents themselves (each carries the day's whole total for its client, model and deployment), not summed
/// from events, so it is the same number the usage API reports and does not start from zero when the Worker restarts: a
/// document counts from the first time this Worker reads or writes it, i.e. once its client and model have new traffic.
/// </summary>
public sealed class DailySpend(TimeProvider time)
{
    private readonly ConcurrentDictionary<(string Day, string Client, string Model, string Deployment), decimal> _costs = new();

    /// <summary>Notes a usage document's total as read or written; other kinds of document are ignored.</summary>
    public void Record(AggregateDocument document)
    {
        if (document.Kind != "usage" || document.Model is null || document.CostValue is not { } cost)
        {
            return;
        }

        // A document's cost only grows, so a copy older than one already seen (a stale read) never lowers it.
        _costs.AddOrUpdate((document.Period, document.ClientId, document.Model, document.Deployment ?? ""), cost,
            (_, known) => Math.Max(known, cost));
    }

    /// <summary>Today's spend per client and model, in USD; forgets earlier days.</summary>
    public IEnumerable<Measurement<double>> Observe()
    {
        var today = time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var sums = new Dictionary<(string Client, string Model), decimal>();
        foreach (var (key, cost) in _costs)
        {
            if (string.CompareOrdinal(key.Day, today) < 0)
            {
                _costs.TryRemove(key, out _);
                continue;
            }

            if (key.Day == today)
            {
                sums[(key.Client, key.Model)] = sums.GetValueOrDefault((key.Client, key.Model)) + cost;
            }
        }

        var measurements = new List<Measurement<double>>(sums.Count);
        foreach (var ((client, model), cost) in sums)
        {
            measurements.Add(new Measurement<double>((double)cost, new KeyValuePair<string, object?>("client", client),
                new KeyValuePair<string, object?>("model", model)));
        }

        return measurements;
    }
}
