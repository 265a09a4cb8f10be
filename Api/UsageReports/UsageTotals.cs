namespace AspireAoai.Api.UsageReports;

/// <summary>Sums over lines; costs are exact decimal strings (<c>"0"</c> when nothing was priced).</summary>
public sealed record UsageTotals(
    long Requests,
    long Errors,
    long InputTokens,
    long CachedInputTokens,
    long OutputTokens,
    long TotalTokens,
    long CacheHits,
    long SavedInputTokens,
    long SavedOutputTokens,
    string Cost,
    string SavedCost,
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
