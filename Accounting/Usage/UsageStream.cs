namespace AspireAoai.Accounting.Usage;

/// <summary>
/// Names shared by the producer of usage events (the Api) and their consumer (the Worker).
/// </summary>
public static class UsageStream
{
    /// <summary>The Redis stream every usage event is XADDed to.</summary>
    public const string Key = "aoai:usage";

    /// <summary>Where entries that cannot be parsed go, with the reason, instead of crashing the consumer.</summary>
    public const string DeadLetterKey = "aoai:usage:dead";

    /// <summary>The consumer group the cost aggregator reads with.</summary>
    public const string ConsumerGroup = "cost-aggregator";

    /// <summary>
    /// Default approximate bound for <c>XADD ... MAXLEN ~</c>, in entries (each holds up to 64 events since schema
    /// version 3). It must be far larger than what can be pending in the consumer group: an entry trimmed before it
    /// is acknowledged is lost to accounting.
    /// </summary>
    public const int DefaultMaxLength = 1_000_000;

    /// <summary>
    /// The schema version this library writes and the newest it reads. Version 1 had one stream field per value and
    /// version 2 packed one event's values into one field (<see cref="UsageFields.Event"/>); version 3 packs several
    /// events into that field, one entry per append call of the Api; version 4 adds one value to each event,
    /// <see cref="UsageFields.Estimated"/>; version 5 adds four: <see cref="UsageFields.ReasoningTokens"/>,
    /// <see cref="UsageFields.AudioInputTokens"/>, <see cref="UsageFields.AudioOutputTokens"/> and
    /// <see cref="UsageFields.SavedCachedInputTokens"/>. All five are read (older events have zeros there).
    /// </summary>
    public const int SchemaVersion = 5;

    /// <summary>The most events one entry may hold (the Api writes at most 64); an entry with more is malformed.</summary>
    public const int MaxEventsPerEntry = 1024;
}
