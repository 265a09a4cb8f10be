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
