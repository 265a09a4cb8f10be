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

/// <summary>
/// The names of a usage event's values: stream fields in schema version 1, positions of the packed array in version 2
/// (<see cref="UsageEvent.PackedOrder"/>). Short, because there is one entry per request.
/// </summary>
public static class UsageFields
{
    public const string Version = "v";

    /// <summary>
    /// Schema version 2: the event's values as one JSON array (<see cref="UsageEvent.PackedOrder"/>); version 3: a JSON
    /// array of such arrays, one per event.
    /// </summary>
    public const string Event = "e";
    public const string RequestId = "rid";
    public const string Timestamp = "ts";
    public const string Client = "client";
    public const string Model = "model";
    public const string PricedModel = "priced";
    public const string Deployment = "dep";
    public const string Region = "region";
    public const string InputTokens = "in";
    public const string CachedInputTokens = "cin";
    public const string OutputTokens = "out";
    public const string CacheHit = "hit";
    public const string SavedInputTokens = "sin";
    public const string SavedOutputTokens = "sout";
    public const string Status = "status";
    public const string LatencyMs = "lat";
    public const string TimeToFirstByteMs = "ttfb";
    public const string Stream = "stream";

    /// <summary>Schema version 4 on: 1 when the tokens are the gateway's estimate of a stream without usage.</summary>
    public const string Estimated = "est";

    /// <summary>The part of the output tokens that were reasoning tokens (schema version 5 on).</summary>
    public const string ReasoningTokens = "rout";

    /// <summary>The part of the input tokens that were audio tokens, priced at the audio input price (version 5 on).</summary>
    public const string AudioInputTokens = "ain";

    /// <summary>The part of the output tokens that were audio tokens, priced at the audio output price (version 5 on).</summary>
    public const string AudioOutputTokens = "aout";

    /// <summary>The part of a cache hit's saved input tokens the original answer had from the prompt cache (version 5 on).</summary>
    public const string SavedCachedInputTokens = "scin";

    /// <summary>Added to a dead-lettered entry: why it was rejected.</summary>
    public const string DeadLetterReason = "dead_reason";

    /// <summary>Added to a dead-lettered entry: its id in the usage stream.</summary>
    public const string DeadLetterSourceId = "dead_src";
}
