namespace AspireAoai.Worker.Aggregation;

/// <summary>What one batch did.</summary>
public readonly record struct BatchResult(int Entries, int Applied, int Duplicates, int DeadLettered);
