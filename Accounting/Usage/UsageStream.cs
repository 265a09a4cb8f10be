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
    /// Default approximate bound for <c>XADD ... MAXLEN ~</c>. It must be far larger than what can be
    /// pending in the consumer group: an entry trimmed before it is acknowledged is lost to accounting.
    /// </summary>
    public const int DefaultMaxLength = 1_000_000;

    /// <summary>The schema version this library writes and the newest it reads.</summary>
    public const int SchemaVersion = 1;
}

/// <summary>The field names of a usage stream entry. Short, because there is one entry per request.</summary>
public static class UsageFields
{
    public const string Version = "v";
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

    /// <summary>Added to a dead-lettered entry: why it was rejected.</summary>
    public const string DeadLetterReason = "dead_reason";

    /// <summary>Added to a dead-lettered entry: its id in the usage stream.</summary>
    public const string DeadLetterSourceId = "dead_src";
}
