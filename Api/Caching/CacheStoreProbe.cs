using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Caching;

/// <summary>
/// While the cache circuit is open, reads one entry that never exists every <see cref="Interval"/>, off the request
/// path, and closes the circuit as soon as the store answers within the lookup timeout. Without it the cache would wait out the whole break
/// (<c>Gateway:Cache:BreakDuration</c>, 10 s by default) after Cosmos DB is back; with it HITs resume within about a
/// second. A store that answers "container missing" counts as answering: the store re-creates the container and
/// lookups skip it until then.
/// </summary>
internal sealed partial class CacheStoreProbe(ICacheStore store, CircuitBreaker circuit, IOptions<CacheOptions> options, TimeProvider time,
    ILogger<CacheStoreProbe> logger) : BackgroundService
{
    /// <summary>How often the open circuit is probed.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private const string ProbePartition = "aoai-cache-probe";
    private const string ProbeId = "probe";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // As fast as a lookup must be: a store that answers, but slower than lookups wait, stays out of the request path.
        var timeoutMs = options.Value.LookupTimeoutMs;
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(Interval, time, stoppingToken).ConfigureAwait(false);
                if (circuit.IsOpen && await ProbeAsync(TimeSpan.FromMilliseconds(timeoutMs), stoppingToken).ConfigureAwait(false))
                {
                    circuit.Success();
                    LogClosed(logger);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>True when the store answered (found or not) in time.</summary>
    internal async Task<bool> ProbeAsync(TimeSpan timeout, CancellationToken stoppingToken)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        cts.CancelAfter(timeout);
        try
        {
            await store.ReadAsync(ProbePartition, ProbeId, cts.Token).WaitAsync(timeout, time, stoppingToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            LogStillFailing(logger, ex.GetType().Name);
            return false;
        }
    }

    [LoggerMessage(EventId = 5010, Level = LogLevel.Information, Message = "The cache store answers again; the cache is back in the request path")]
    private static partial void LogClosed(ILogger logger);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Debug, Message = "The cache store still fails ({ErrorType}); the cache stays out of the request path")]
    private static partial void LogStillFailing(ILogger logger, string errorType);
}
