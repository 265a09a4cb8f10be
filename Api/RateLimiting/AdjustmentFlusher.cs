namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// Connects the limiter to Redis at start (in the background), warms the tokenizers, and writes reconciliations
/// that no admission carried within <see cref="MaxWait"/> (quiet traffic).
/// </summary>
internal sealed partial class AdjustmentFlusher(RateLimiter limiter, TimeProvider time, ILogger<AdjustmentFlusher> logger) : BackgroundService
{
    internal static readonly TimeSpan MaxWait = TimeSpan.FromMilliseconds(200);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _ = limiter.Connection.StartAsync();
        _ = Task.Run(TokenEstimator.WarmUp, stoppingToken);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                try
                {
                    await limiter.FlushAsync(MaxWait).ConfigureAwait(false);
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
        // Last chance for queued refunds before the replica goes away.
        await limiter.FlushAsync(TimeSpan.Zero).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 4020, Level = LogLevel.Warning, Message = "Writing rate-limit reconciliations failed")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception);
}
