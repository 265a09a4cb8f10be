using AspireAoai.Accounting.Pricing;
using AspireAoai.Accounting.Usage;
using AspireAoai.Worker.Hosting;
using AspireAoai.Worker.Telemetry;
using AspireAoai.Worker.Usage;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireAoai.Worker.Aggregation;

/// <summary>
/// One batch of stream entries into the totals. The order is what makes it exactly once:
/// 1. malformed entries are copied to the dead-letter stream;
/// 2. every aggregate document the batch touches is written (each write idempotent by stream id);
/// 3. only then are all the batch's entries acknowledged.
/// A crash anywhere leaves the entries pending; whoever gets them next re-applies, and the documents skip
/// what they already hold.
/// </summary>
public sealed partial class UsageBatchProcessor(
    UsageStreamConsumer stream,
    IAggregateStore store,
    IPriceTable prices,
    WorkerMetrics metrics,
    IOptions<WorkerOptions> options,
    TimeProvider time,
    ILogger<UsageBatchProcessor> logger)
{
    private readonly int _writeConcurrency = options.Value.WriteConcurrency;

    /// <summary>Aggregates and acknowledges the entries. Throws when any write failed; nothing is acknowledged then.</summary>
    public async Task<BatchResult> ProcessAsync(StreamEntry[] entries, CancellationToken cancellationToken)
    {
        var started = time.GetTimestamp();
        var ids = new RedisValue[entries.Length];
        var byKey = new Dictionary<AggregateKey, List<AppliedEvent>>();
        var events = new List<UsageEvent>();
        var dead = 0;
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = entries[i];
            ids[i] = entry.Id;
            if (!StreamId.TryParse(entry.Id, out var id))
            {
                continue; // not a real entry id; acknowledge and move on
            }

            events.Clear();
            if (!UsageEventCodec.TryParse(entry, events, out var error))
            {
                await stream.DeadLetterAsync(entry, error).ConfigureAwait(false);
                LogDeadLettered(logger, entry.Id.ToString(), error);
                dead++;
                continue;
            }

            // An entry's events (several since schema version 3) share its id, and all of them for one document are
            // applied in that document's one write below: the id in the document stands for every one of them.
            foreach (var usage in events)
            {
                var applied = new AppliedEvent(id, usage, CostCalculator.Calculate(usage, prices));
                foreach (var key in AggregateKey.For(usage))
                {
                    if (!byKey.TryGetValue(key, out var list)) byKey[key] = list = [];
                    list.Add(applied);
                }
            }
        }

        var added = 0;
        var duplicates = 0;
        if (byKey.Count > 0)
        {
            var horizon = (await stream.ReadGroupStateAsync().ConfigureAwait(false)).Horizon;
            var now = time.GetUtcNow();
            var gate = new object();
            await Parallel.ForEachAsync(byKey,
                new ParallelOptions { MaxDegreeOfParallelism = _writeConcurrency, CancellationToken = cancellationToken },
                async (pair, ct) =>
                {
                    var result = await store.ApplyAsync(pair.Key, pair.Value, horizon, ct).ConfigureAwait(false);
                    if (pair.Key.Kind != AggregateKind.Usage) return;

                    // Each event is in exactly one usage document: count it there.
                    lock (gate)
                    {
                        added += result.Count;
                        duplicates += pair.Value.Count - result.Count;
                        foreach (var e in result) metrics.Applied(e, now);
                    }
                }).ConfigureAwait(false);
        }

        await stream.AcknowledgeAsync(ids).ConfigureAwait(false);

        var elapsed = time.GetElapsedTime(started);
        metrics.EventsHandled("applied", added);
        metrics.EventsHandled("duplicate", duplicates);
        metrics.EventsHandled("dead_letter", dead);
        metrics.BatchCompleted(elapsed);
        LogBatch(logger, entries.Length, added, duplicates, dead, byKey.Count, elapsed.TotalMilliseconds);
        return new BatchResult(entries.Length, added, duplicates, dead);
    }

    [LoggerMessage(EventId = 7201, Level = LogLevel.Warning, Message = "Usage entry {EntryId} is malformed ({Reason}); moved to the dead-letter stream")]
    private static partial void LogDeadLettered(ILogger logger, string entryId, string reason);

    [LoggerMessage(EventId = 7202, Level = LogLevel.Debug, Message = "Batch of {Entries}: {Applied} applied, {Duplicates} already applied, {Dead} dead-lettered, {Documents} documents in {ElapsedMs} ms")]
    private static partial void LogBatch(ILogger logger, int entries, int applied, int duplicates, int dead, int documents, double elapsedMs);
}
