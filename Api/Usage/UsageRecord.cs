namespace AspireAoai.Api.Usage;

/// <summary>What one request used, reported after its response completed.</summary>
public sealed record UsageRecord(
    string RequestId,
    string ClientId,
    string Model,
    string? ResponseModel,
    string? Deployment,
    string? Region,
    int InputTokens,
    int CachedInputTokens,
    int OutputTokens,
    bool CacheHit,
    int Status,
    bool Stream,
    int Attempts,
    double LatencyMs,
    double? TimeToFirstByteMs,
    DateTimeOffset Timestamp)
{
    /// <summary>Input tokens a response-cache hit saved (the original answer's prompt tokens).</summary>
    public long SavedInputTokens { get; init; }

    /// <summary>Output tokens a response-cache hit saved.</summary>
    public long SavedOutputTokens { get; init; }

    /// <summary>
    /// True when the tokens are the gateway's count rather than the upstream's: a stream that ended without a usage
    /// chunk (an old api-version, a client that left, an upstream that broke off) is charged its prompt as counted at
    /// admission plus the completion tokens of the text relayed.
    /// </summary>
    public bool Estimated { get; init; }

    /// <summary>
    /// The part of <see cref="OutputTokens"/> that were reasoning tokens, from whichever usage the upstream sent (chat
    /// <c>completion_tokens_details.reasoning_tokens</c>, Responses <c>output_tokens_details.reasoning_tokens</c>).
    /// Recorded in the usage event (<c>rout</c>) and shown by <c>/v1/usage</c>; billed as output.
    /// </summary>
    public int ReasoningTokens { get; init; }

    /// <summary>The part of <see cref="InputTokens"/> that were audio (<c>prompt_tokens_details.audio_tokens</c>).</summary>
    public int AudioInputTokens { get; init; }

    /// <summary>The part of <see cref="OutputTokens"/> that were audio (<c>completion_tokens_details.audio_tokens</c>).</summary>
    public int AudioOutputTokens { get; init; }

    /// <summary>The part of <see cref="SavedInputTokens"/> the cached answer had from the prompt cache (priced as cached input).</summary>
    public long SavedCachedInputTokens { get; init; }
}
