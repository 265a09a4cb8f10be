namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// Connects the limiter to Redis at start (in the background), warms the tokenizers, and writes the queued
/// reconciliations, deployment charges and refunds of expired leases every <see cref="Interval"/>, merged. Until then a
/// window is off by what the last interval's answers used beyond (or below) their estimates: refunds come late
/// (conservative) and a deployment's own usage shows up to one interval late in the capacity other replicas see.
/// </summary>
internal sealed partial class AdjustmentFlusher(ClientLimiter limiter, TimeProvider time, ILogger<AdjustmentFlusher> logger) : BackgroundService
{
    internal static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(50);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _ = limiter.Connection.StartAsync();
        _ = Task.Run(TokenEstimator.WarmUp, stoppingToken);
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    limiter.EndExpiredLeases();
                    await limiter.FlushAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    LogFlushFailed(logger, ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        // Last chance for queued refunds (and what the leases left) before the replica goes away.
        limiter.EndExpiredLeases(all: true);
        await limiter.FlushAsync().ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 4020, Level = LogLevel.Warning, Message = "Writing rate-limit reconciliations failed")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception);
}
