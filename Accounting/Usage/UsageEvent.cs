namespace AspireAoai.Accounting.Usage;

/// <summary>
/// One proxied request's usage, as the Api writes it to the <see cref="UsageStream.Key"/> stream and the
/// Worker reads it back. Field names on the wire are in <see cref="UsageFields"/>; docs/costs.md describes them.
/// This type is only the data: <see cref="UsageEventCodec"/> writes and reads the stream entry, and
/// <see cref="UsageEventValidation"/> checks what is read.
/// </summary>
/// <param name="RequestId">The gateway's request id (<c>rid</c>).</param>
/// <param name="Timestamp">When the request was received, UTC, millisecond precision (<c>ts</c>).</param>
/// <param name="ClientId">The authenticated client (<c>client</c>); the partition key of cost records.</param>
/// <param name="Model">The logical model the client asked for (<c>model</c>).</param>
/// <param name="PricedModel">The model name to price with, when the Api knows it (<c>priced</c>), else empty.</param>
/// <param name="Deployment">The deployment Name that served it (<c>dep</c>); empty when none did.</param>
/// <param name="Region">The deployment's region (<c>region</c>), may be empty.</param>
/// <param name="InputTokens">Prompt tokens including cached ones (<c>in</c>).</param>
/// <param name="CachedInputTokens">The part of <paramref name="InputTokens"/> served from the prompt cache (<c>cin</c>).</param>
/// <param name="OutputTokens">Completion tokens (<c>out</c>).</param>
/// <param name="CacheHit">Answered from the gateway's response cache (<c>hit</c>).</param>
/// <param name="SavedInputTokens">Input tokens a cache hit saved (<c>sin</c>).</param>
/// <param name="SavedOutputTokens">Output tokens a cache hit saved (<c>sout</c>).</param>
/// <param name="Status">HTTP status returned to the client (<c>status</c>).</param>
/// <param name="LatencyMs">Total time to the last byte (<c>lat</c>).</param>
/// <param name="TimeToFirstByteMs">Time to the first response byte (<c>ttfb</c>).</param>
/// <param name="Streamed">Answered as server-sent events (<c>stream</c>).</param>
public sealed record UsageEvent(
    string RequestId,
    DateTimeOffset Timestamp,
    string ClientId,
    string Model,
    string PricedModel,
    string Deployment,
    string Region,
    long InputTokens,
    long CachedInputTokens,
    long OutputTokens,
    bool CacheHit,
    long SavedInputTokens,
    long SavedOutputTokens,
    int Status,
    long LatencyMs,
    long TimeToFirstByteMs,
    bool Streamed)
{
    /// <summary>Longest accepted client id, model, deployment or region (Cosmos ids are at most 255 characters).</summary>
    public const int MaxNameLength = 100;

    /// <summary>
    /// True when the tokens are the gateway's count, not the upstream's (<c>est</c>, schema version 4 on): a stream that
    /// ended without a usage chunk is charged its prompt as counted at admission plus the completion tokens of the text
    /// relayed. Events of older versions are exact (false).
    /// </summary>
    public bool Estimated { get; init; }

    /// <summary>
    /// The part of <see cref="OutputTokens"/> that were reasoning tokens (<c>rout</c>, schema version 5 on:
    /// <c>completion_tokens_details.reasoning_tokens</c>, or <c>output_tokens_details.reasoning_tokens</c> of the
    /// Responses API). Billed as output tokens; recorded so reports can show them. 0 in older events.
    /// </summary>
    public long ReasoningTokens { get; init; }

    /// <summary>The part of <see cref="InputTokens"/> that were audio (<c>ain</c>, version 5 on), priced at the audio input price.</summary>
    public long AudioInputTokens { get; init; }

    /// <summary>The part of <see cref="OutputTokens"/> that were audio (<c>aout</c>, version 5 on), priced at the audio output price.</summary>
    public long AudioOutputTokens { get; init; }

    /// <summary>
    /// The part of <see cref="SavedInputTokens"/> the original answer had from the prompt cache (<c>scin</c>, version 5 on):
    /// a hit's saved cost prices them at the cached-input price.
    /// </summary>
    public long SavedCachedInputTokens { get; init; }

    /// <summary>Whether the request failed from the client's point of view (status 400 or above).</summary>
    public bool IsError => Status >= 400;

    /// <summary>The name to look the price up with: the priced model when given, else the requested model.</summary>
    public string PriceLookupName => PricedModel.Length > 0 ? PricedModel : Model;
}
