using AspireAoai.Api.Usage;

namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// Wraps the registered <see cref="IUsageReporter"/>: when a request's usage is reported after its response, settles
/// its rate-limit charge (refund or extra charge in the sub-bucket it was admitted in, and the serving deployment's
/// capacity), then hands the record on. Never blocks: the adjustments are queued and ride along with later admissions.
/// </summary>
/// <remarks>
/// A budget reservation is released by the usage writer, with the real cost (<see cref="RedisUsageReporter"/>); when the
/// inner reporter writes no usage (usage reporting off), this releases it through the limiter's next flush instead.
/// </remarks>
internal sealed class UsageReconciler(IUsageReporter inner, LimitCatalog catalog, RateLimiter limiter) : IUsageReporter
{
    public void Report(GatewayRequest request, UsageRecord usage)
    {
        var lease = request.Lease;
        lease?.Settle(usage, catalog);
        inner.Report(request, usage);
        if (lease?.TakeReservation() is { } reservation)
        {
            limiter.Release(reservation);
        }
    }
}
