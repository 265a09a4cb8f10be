using AspireAoai.ServiceDefaults.Cosmos;
using AspireAoai.Worker.Aggregation;
using AspireAoai.Worker.Telemetry;
using AspireAoai.Worker.Usage;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireAoai.Worker.Hosting;

/// <summary>
/// The consume loop: take over entries a dead replica left pending, read new ones, hand each batch to the
/// <see cref="UsageBatchProcessor"/>. Failures never stop the loop: the batch stays pending and is retried.
/// </summary>
public sealed partial class CostAggregationService(
    UsageStreamConsumer stream,
    UsageBatchProcessor processor,
    AoaiContainers containers,
    WorkerMetrics metrics,
    AggregationHeartbeat heartbeat,
    IOptions<WorkerOptions> options,
    TimeProvider time,
    ILogger<CostAggregationService> logger) : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private readonly WorkerOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        LogStarting(logger, stream.ConsumerName, _options.StreamKey, _options.ConsumerGroup);
        var backoff = _options.ErrorBackoff;
        var retryOwnPending = false;
        var groupReady = false;
        var costsMissing = false;
        var claimCursor = (RedisValue)"0-0";
        var nextClaim = time.GetTimestamp();
        var nextSample = time.GetTimestamp();
        var nextCleanup = time.GetTimestamp();

        while (!stoppingToken.IsCancellationRequested)
        {
            heartbeat.Beat();
            try
            {
                if (!containers.IsAvailable(containers.Costs))
                {
                    // Not created yet (Cosmos starting) or gone (deleted, a server restarted empty): wait for the one
                    // (re-)creation attempt in slices, so the loop keeps beating. Pending entries wait with us.
                    var ensured = containers.EnsureAsync(stoppingToken);
                    await Task.WhenAny(ensured, Task.Delay(TimeSpan.FromSeconds(5), time, stoppingToken)).ConfigureAwait(false);
                    if (!ensured.IsCompleted || !await ensured.ConfigureAwait(false)) continue;
                    if (costsMissing)
                    {
                        LogCostsBack(logger);
                        costsMissing = false;
                    }
                }

                if (!groupReady)
                {
                    await stream.EnsureGroupAsync().ConfigureAwait(false);
                    groupReady = true;
                }

                if (time.GetTimestamp() >= nextSample)
                {
                    await SampleAsync().ConfigureAwait(false);
                    nextSample = After(_options.MetricsInterval);
                }

                if (time.GetTimestamp() >= nextCleanup)
                {
                    nextCleanup = After(TimeSpan.FromMinutes(5));
                    var removed = await stream.RemoveIdleConsumersAsync().ConfigureAwait(false);
                    if (removed > 0) LogConsumersRemoved(logger, removed);
                }

                StreamEntry[] entries;
                var polling = false;
                if (retryOwnPending)
                {
                    entries = await stream.ReadOwnPendingAsync().ConfigureAwait(false);
                    retryOwnPending = entries.Length > 0;
                }
                else if (time.GetTimestamp() >= nextClaim)
                {
                    var claim = await stream.ClaimIdleAsync(claimCursor).ConfigureAwait(false);
                    entries = claim.ClaimedEntries ?? [];
                    if (claim.DeletedIds is { Length: > 0 } deleted)
                    {
                        // Trimmed from the stream while pending: their events are gone. MAXLEN is too small.
                        LogClaimedDeleted(logger, deleted.Length);
                    }

                    if (entries.Length > 0) LogClaimed(logger, entries.Length);
                    LogClaimScan(logger, entries.Length, claim.NextStartId.ToString());
                    claimCursor = claim.NextStartId;
                    if (claimCursor.IsNullOrEmpty || claimCursor == "0-0")
                    {
                        claimCursor = "0-0";
                        nextClaim = After(_options.ClaimInterval);
                    }
                }
                else
                {
                    entries = await stream.ReadNewAsync().ConfigureAwait(false);
                    polling = entries.Length == 0;
                }

                if (entries.Length > 0)
                {
                    await processor.ProcessAsync(entries, stoppingToken).ConfigureAwait(false);
                    backoff = _options.ErrorBackoff;
                }
                else if (polling)
                {
                    await Task.Delay(_options.PollInterval, time, stoppingToken).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (CostsContainerMissingException)
            {
                // Nothing of the batch was acknowledged: it stays pending with us and is applied once the container is
                // back (the top of the loop waits for the re-creation instead of a blind back-off).
                if (!costsMissing) LogCostsMissing(logger);
                costsMissing = true;
                retryOwnPending = groupReady;
            }
            catch (Exception ex)
            {
                // The batch stays pending with us: read it again before anything new.
                LogBatchFailed(logger, ex, backoff.TotalMilliseconds);
                retryOwnPending = groupReady;
                if (ex is RedisServerException rse && (rse.Message.StartsWith("NOGROUP", StringComparison.Ordinal)
                                                       || rse.Message.Contains("no such key", StringComparison.Ordinal)))
                {
                    groupReady = false; // the stream or group is gone (deleted, Redis restarted empty): create them again
                    retryOwnPending = false;
                }

                try
                {
                    await Task.Delay(backoff, time, stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }

        LogStopped(logger, stream.ConsumerName);
    }

    private async Task SampleAsync()
    {
        var length = await stream.LengthAsync().ConfigureAwait(false);
        var state = await stream.ReadGroupStateAsync().ConfigureAwait(false);
        var age = state.LowestPending is { } low
            ? TimeSpan.FromMilliseconds(Math.Max(0, time.GetUtcNow().ToUnixTimeMilliseconds() - low.Milliseconds))
            : TimeSpan.Zero;
        metrics.StreamSampled(length, state.PendingCount, age);
    }

    private long After(TimeSpan delay) => time.GetTimestamp() + (long)(delay.TotalSeconds * time.TimestampFrequency);

    [LoggerMessage(EventId = 7301, Level = LogLevel.Information, Message = "Cost aggregator {Consumer} reading {Stream} as group {Group}")]
    private static partial void LogStarting(ILogger logger, string consumer, string stream, string group);

    [LoggerMessage(EventId = 7302, Level = LogLevel.Error, Message = "Aggregating a batch failed; it stays pending and is retried in {BackoffMs} ms")]
    private static partial void LogBatchFailed(ILogger logger, Exception exception, double backoffMs);

    [LoggerMessage(EventId = 7303, Level = LogLevel.Information, Message = "Took over {Count} usage entries left pending by another consumer")]
    private static partial void LogClaimed(ILogger logger, int count);

    [LoggerMessage(EventId = 7304, Level = LogLevel.Error, Message = "{Count} pending usage entries were trimmed from the stream before being aggregated; raise the producer's MAXLEN")]
    private static partial void LogClaimedDeleted(ILogger logger, int count);

    [LoggerMessage(EventId = 7305, Level = LogLevel.Information, Message = "Removed {Count} idle consumers of past replicas")]
    private static partial void LogConsumersRemoved(ILogger logger, int count);

    [LoggerMessage(EventId = 7307, Level = LogLevel.Debug, Message = "Claim scan took {Count} entries; next cursor {Cursor}")]
    private static partial void LogClaimScan(ILogger logger, int count, string cursor);

    [LoggerMessage(EventId = 7308, Level = LogLevel.Warning, Message = "The Cosmos DB costs container is missing; usage entries stay pending until it is back")]
    private static partial void LogCostsMissing(ILogger logger);

    [LoggerMessage(EventId = 7309, Level = LogLevel.Information, Message = "The Cosmos DB costs container is back; applying the pending usage entries")]
    private static partial void LogCostsBack(ILogger logger);

    [LoggerMessage(EventId = 7306, Level = LogLevel.Information, Message = "Cost aggregator {Consumer} stopped")]
    private static partial void LogStopped(ILogger logger, string consumer);
}
