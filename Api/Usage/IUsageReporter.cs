namespace AspireAoai.Api.Usage;

/// <summary>
/// Seam for usage reporting (usage stream, budget reconciliation). Called once per request after the response
/// completed; it must not block: queue the record and return.
/// </summary>
public interface IUsageReporter
{
    void Report(GatewayRequest request, UsageRecord usage);
}
