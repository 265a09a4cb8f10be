namespace AspireAoai.Accounting.Usage;

/// <summary>
/// The names of a usage event's values: stream fields in schema version 1, positions of the packed array in version 2
/// (<see cref="UsageEventCodec.PackedOrder"/>). Short, because there is one entry per request.
/// </summary>
public static class UsageFields
{
    public const string Version = "v";

    /// <summary>
    /// Schema version 2: the event's values as one JSON array (<see cref="UsageEventCodec.PackedOrder"/>); version 3: a JSON
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
