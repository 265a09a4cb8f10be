namespace AspireAoai.Worker.Usage;

/// <summary>The consumer group at one moment.</summary>
/// <param name="Horizon">Every id below it is acknowledged.</param>
/// <param name="PendingCount">Entries delivered and not acknowledged.</param>
/// <param name="LowestPending">The oldest of those, if any.</param>
public readonly record struct GroupState(StreamId Horizon, long PendingCount, StreamId? LowestPending);
