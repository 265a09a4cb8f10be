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
}

/// <summary>
/// Seam for usage reporting (usage stream, budget reconciliation). Called once per request after the response
/// completed; it must not block: queue the record and return.
/// </summary>
public interface IUsageReporter
{
    void Report(GatewayRequest request, UsageRecord usage);
}

internal sealed class NoUsageReporter : IUsageReporter
{
    public void Report(GatewayRequest request, UsageRecord usage)
    {
    }
}
