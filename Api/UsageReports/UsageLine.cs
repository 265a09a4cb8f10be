namespace AspireAoai.Api.UsageReports;

/// <summary>One client's usage of one model on one deployment on one UTC day (a Worker <c>usage</c> document).</summary>
public sealed record UsageLine(
    string Date,
    string Model,
    string Deployment,
    long Requests,
    long Errors,
    long InputTokens,
    long CachedInputTokens,
    long OutputTokens,
    long TotalTokens,
    long CacheHits,
    long SavedInputTokens,
    long SavedOutputTokens,
    string? Cost,
    string? SavedCost,
    long UnpricedRequests)
{
    /// <summary>Requests charged with the gateway's estimate (streams that ended without a usage chunk).</summary>
    public long EstimatedRequests { get; init; }

    /// <summary>The part of <see cref="InputTokens"/> that was estimated.</summary>
    public long EstimatedInputTokens { get; init; }

    /// <summary>The part of <see cref="OutputTokens"/> that was estimated.</summary>
    public long EstimatedOutputTokens { get; init; }

    /// <summary>The part of <see cref="OutputTokens"/> that were reasoning tokens (billed as output).</summary>
    public long ReasoningTokens { get; init; }

    /// <summary>The part of <see cref="InputTokens"/> that were audio (priced at the audio input price).</summary>
    public long AudioInputTokens { get; init; }

    /// <summary>The part of <see cref="OutputTokens"/> that were audio (priced at the audio output price).</summary>
    public long AudioOutputTokens { get; init; }
}
