using System.Net;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspireAoai.ServiceDefaults.Cosmos;

/// <summary>
/// Creates the database and containers at start when <c>Cosmos:CreateResources</c> is true. It runs in the
/// background and retries with back-off while the server is not up yet (a local server starts in parallel
/// with the app), so the app starts at once; <see cref="Ready"/> tells users when the containers exist.
/// </summary>
public sealed partial class CosmosResourceInitializer(
    CosmosClient client,
    IOptions<CosmosOptions> options,
    TimeProvider time,
    ILogger<CosmosResourceInitializer> logger) : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the resources exist; faults when initialization gave up.</summary>
    public Task Ready => _ready.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (!o.CreateResources)
        {
            _ready.TrySetResult();
            return;
        }

        var started = time.GetTimestamp();
        var delay = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await CreateAsync(o, stoppingToken).ConfigureAwait(false);
                LogReady(logger, o.DatabaseName, attempt);
                _ready.TrySetResult();
                return;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                _ready.TrySetCanceled(stoppingToken);
                return;
            }
            catch (Exception ex) when (IsTransient(ex))
            {
                if (time.GetElapsedTime(started) > o.InitializationTimeout)
                {
                    LogGaveUp(logger, ex, o.DatabaseName, attempt);
                    _ready.TrySetException(new InvalidOperationException(
                        $"Cosmos DB resources could not be created within {o.InitializationTimeout}.", ex));
                    return;
                }

                LogRetrying(logger, attempt, delay.TotalMilliseconds, ex.GetType().Name);
                await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxBackoff.Ticks));
            }
            catch (Exception ex)
            {
                // Wrong key, no rights: retrying will not help, and the message must be seen.
                LogFailed(logger, ex, o.DatabaseName);
                _ready.TrySetException(ex);
                return;
            }
        }
    }

    private async Task CreateAsync(CosmosOptions o, CancellationToken ct)
    {
        var db = (await client.CreateDatabaseIfNotExistsAsync(o.DatabaseName, cancellationToken: ct).ConfigureAwait(false)).Database;

        // DefaultTimeToLive -1: TTL is on, items without a ttl never expire, cache items set their own.
        await db.CreateContainerIfNotExistsAsync(
            new ContainerProperties(o.CacheContainer, CosmosOptions.PartitionKeyPath) { DefaultTimeToLive = -1 },
            cancellationToken: ct).ConfigureAwait(false);
        await db.CreateContainerIfNotExistsAsync(
            new ContainerProperties(o.CostsContainer, CosmosOptions.PartitionKeyPath),
            cancellationToken: ct).ConfigureAwait(false);
    }

    private static bool IsTransient(Exception ex) => ex switch
    {
        CosmosException c => c.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.RequestTimeout
            or HttpStatusCode.TooManyRequests or HttpStatusCode.InternalServerError or HttpStatusCode.Gone
            or HttpStatusCode.Conflict,
        HttpRequestException or TimeoutException or OperationCanceledException => true,
        _ => ex.InnerException is { } inner && IsTransient(inner),
    };

    [LoggerMessage(EventId = 7100, Level = LogLevel.Information, Message = "Cosmos DB database {Database} and its containers are ready (attempt {Attempt})")]
    private static partial void LogReady(ILogger logger, string database, int attempt);

    [LoggerMessage(EventId = 7101, Level = LogLevel.Debug, Message = "Cosmos DB not reachable yet (attempt {Attempt}, {Error}); retrying in {DelayMs} ms")]
    private static partial void LogRetrying(ILogger logger, int attempt, double delayMs, string error);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Error, Message = "Gave up creating Cosmos DB database {Database} after {Attempt} attempts")]
    private static partial void LogGaveUp(ILogger logger, Exception exception, string database, int attempt);

    [LoggerMessage(EventId = 7103, Level = LogLevel.Error, Message = "Creating Cosmos DB database {Database} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string database);
}
