using System.Globalization;
using System.Text.Json.Serialization;
using AspireAoai.Accounting.Pricing;
using AspireAoai.Accounting.Usage;
using AspireAoai.Worker.Usage;

namespace AspireAoai.Worker.Aggregation;

/// <summary>
/// Totals in the <c>costs</c> container, and the bookkeeping that makes applying an event idempotent:
/// <see cref="Applied"/> lists the stream ids of entries whose events (for this document) are already in the totals,
/// and every id below <see cref="Horizon"/> is known to be acknowledged (so fully applied everywhere, never delivered
/// again). An event is in the totals when its entry's id is in <see cref="Applied"/> or below <see cref="Horizon"/>.
/// Both change in the same etag-conditional write as the totals, so that statement is always true.
/// </summary>
public sealed class AggregateDocument : AggregateTotals
{
    public string Id { get; set; } = "";
    public string ClientId { get; set; } = "";

    /// <summary><c>usage</c>, <c>spend-day</c> or <c>spend-month</c>.</summary>
    public string Kind { get; set; } = "";

    /// <summary>The canonical model the events were priced as (the last one seen).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? PricedModel { get; set; }

    public long StreamedRequests { get; set; }
    public long LatencyMsTotal { get; set; }

    /// <summary>True when some event had no price: <see cref="AggregateTotals.Cost"/> then understates the spend.</summary>
    public bool Unpriced { get; set; }

    /// <summary>Timestamps (unix ms) of the earliest and latest event in the totals.</summary>
    public long FirstEventMs { get; set; }
    public long LastEventMs { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Stream ids at or above <see cref="Horizon"/> whose events are in the totals.</summary>
    public List<string> Applied { get; set; } = [];

    /// <summary>Every stream id below this one was acknowledged before it was written here.</summary>
    public string Horizon { get; set; } = StreamId.Zero.ToString();

    /// <summary>A new, empty document for a key.</summary>
    public static AggregateDocument Create(AggregateKey key) => new()
    {
        Id = key.Id,
        ClientId = key.ClientId,
        Kind = key.Kind switch
        {
            AggregateKind.Usage => "usage",
            AggregateKind.DailySpend => "spend-day",
            _ => "spend-month",
        },
        Period = key.Period,
        Model = key.Model,
        Deployment = key.Deployment,
    };

    /// <summary>
    /// Adds the events not yet in the totals and raises the horizon. Returns the events it added, in order.
    /// </summary>
    public List<AppliedEvent> Apply(IReadOnlyList<AppliedEvent> events, StreamId horizon, DateTimeOffset now)
    {
        var currentHorizon = StreamId.TryParse(Horizon, out var h) ? h : StreamId.Zero;
        var applied = new HashSet<string>(Applied, StringComparer.Ordinal);
        var adding = new HashSet<string>(StringComparer.Ordinal);
        var added = new List<AppliedEvent>(events.Count);
        var cost = ParseDecimal(Cost);
        var saved = ParseDecimal(SavedCost);

        foreach (var e in events)
        {
            // An entry id marks all of the entry's events for this document: they always come in one call (one write),
            // so a second event with an id added in this call is new, while an id the document already held is not.
            var id = e.Id.ToString();
            if (e.Id < currentHorizon || applied.Contains(id))
            {
                continue; // already in the totals: a redelivery after a crash or a takeover
            }

            adding.Add(id);

            var u = e.Usage;
            Requests++;
            if (u.IsError) Errors++;
            InputTokens += u.InputTokens;
            CachedInputTokens += u.CachedInputTokens;
            OutputTokens += u.OutputTokens;
            if (u.CacheHit) CacheHits++;
            SavedInputTokens += u.SavedInputTokens;
            SavedOutputTokens += u.SavedOutputTokens;
            ReasoningTokens += u.ReasoningTokens;
            AudioInputTokens += u.AudioInputTokens;
            AudioOutputTokens += u.AudioOutputTokens;
            if (u.Streamed) StreamedRequests++;
            if (u.Estimated)
            {
                EstimatedRequests++;
                EstimatedInputTokens += u.InputTokens;
                EstimatedOutputTokens += u.OutputTokens;
            }

            LatencyMsTotal += u.LatencyMs;
            if (e.Cost.Cost is { } c)
            {
                cost = (cost ?? 0m) + c;
                PricedModel = e.Cost.Model;
            }
            else
            {
                Unpriced = true;
                UnpricedRequests++;
            }

            if (e.Cost.SavedCost is { } s && (s != 0m || saved is not null))
            {
                saved = (saved ?? 0m) + s;
            }

            var ms = u.Timestamp.ToUnixTimeMilliseconds();
            FirstEventMs = FirstEventMs == 0 ? ms : Math.Min(FirstEventMs, ms);
            LastEventMs = Math.Max(LastEventMs, ms);
            added.Add(e);
        }

        Cost = FormatDecimal(cost);
        SavedCost = FormatDecimal(saved);

        if (horizon > currentHorizon)
        {
            Horizon = horizon.ToString();
            currentHorizon = horizon;
        }

        // Ids below the horizon are acknowledged: they can never be delivered again, so forget them.
        applied.UnionWith(adding);
        Applied = applied.Where(id => !StreamId.TryParse(id, out var sid) || sid >= currentHorizon).ToList();
        if (added.Count > 0) UpdatedAt = now;
        return added;
    }

    /// <summary>The total cost as a decimal (null while nothing was priced).</summary>
    public decimal? CostValue => ParseDecimal(Cost);

    private static decimal? ParseDecimal(string? value) =>
        value is null ? null : decimal.Parse(value, NumberStyles.Number, CultureInfo.InvariantCulture);

    private static string? FormatDecimal(decimal? value) =>
        value?.ToString(CultureInfo.InvariantCulture);
}
