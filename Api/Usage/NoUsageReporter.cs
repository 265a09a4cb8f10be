namespace AspireAoai.Api.Usage;

/// <summary>Stands in when usage reporting is off (no Redis): a request completes without an event.</summary>
internal sealed class NoUsageReporter : IUsageReporter
{
    public void Report(GatewayRequest request, UsageRecord usage)
    {
    }
}
