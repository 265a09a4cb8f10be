using AspireAoai.Worker.Usage;

namespace AspireAoai.Worker.Aggregation;

/// <summary>Applies events to aggregate documents, idempotently.</summary>
public interface IAggregateStore
{
    /// <summary>
    /// Adds to the document the events it does not hold yet, in one etag-conditional write, retried on
    /// conflict. Returns the events that this call added (none when all were already there).
    /// </summary>
    Task<IReadOnlyList<AppliedEvent>> ApplyAsync(AggregateKey key, IReadOnlyList<AppliedEvent> events, StreamId horizon, CancellationToken cancellationToken);
}
