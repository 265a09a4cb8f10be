using AspireAoai.Api.Usage;

namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// Wraps the registered <see cref="IUsageReporter"/>: when a request's usage is reported after its response, settles
/// its rate-limit charge (refund or extra charge in the sub-bucket it was admitted in, and the serving deployment's
/// capacity), then hands the record on. Never blocks: the adjustments are queued and ride along with later admissions.
/// </summary>
internal sealed class UsageReconciler(IUsageReporter inner, LimitCatalog catalog) : IUsageReporter
{
    public void Report(GatewayRequest request, UsageRecord usage)
    {
        request.Lease?.Settle(usage, catalog);
        inner.Report(request, usage);
    }
}
