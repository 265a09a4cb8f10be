using System.Diagnostics.Metrics;
using AspireAoai.Accounting.Usage;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireAoai.Api.Usage;

/// <summary>
/// Drains the usage queue into the Redis stream: up to <see cref="UsageOptions.BatchSize"/> events per pipelined
/// flush, after letting a batch fill for <see cref="UsageOptions.LingerMilliseconds"/>, in script calls of
/// <see cref="UsageAppendScript.EventsPerCall"/> events (append, add the cost to the running spend, once per call).
/// A batch that fails is retried with back-off until Redis answers, with the very same calls, whose markers make the
/// retry safe. On shutdown it writes what is queued before the host stops.
/// </summary>
public sealed partial class UsageStreamWriter : BackgroundService
{
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    private readonly RedisUsageReporter _reporter;
    private readonly IConnectionMultiplexer _redis;
    private readonly UsageOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<UsageStreamWriter> _logger;
    private readonly Counter<long> _written;
    private readonly Counter<long> _failures;
    private byte[]? _scriptHash;

    public UsageStreamWriter(RedisUsageReporter reporter, IConnectionMultiplexer redis, IOptions<UsageOptions> options,
        TimeProvider time, IMeterFactory meters, ILogger<UsageStreamWriter> logger)
    {
        _reporter = reporter;
        _redis = redis;
        _options = options.Value;
        _time = time;
        _logger = logger;
        var meter = meters.Create(UsageTelemetry.MeterName);
        _written = meter.CreateCounter<long>("aoai.usage.events.written", "{event}", "Usage events appended to the usage stream.");
        _failures = meter.CreateCounter<long>("aoai.usage.write.failures", "{batch}", "Usage batches that Redis did not accept and were retried.");
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Stop taking events, then let ExecuteAsync drain what is queued within the host's shutdown time.
        _reporter.Complete();
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var reader = _reporter.Reader;
        var batch = new List<PendingUsage>(_options.BatchSize);
        try
        {
            while (await reader.WaitToReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                if (_options.LingerMilliseconds > 0 && reader.Count < _options.BatchSize && !stoppingToken.IsCancellationRequested)
                {
                    // Real time on purpose: a pause for batching, not part of any behaviour a test clock should drive.
                    await Task.Delay(_options.LingerMilliseconds, CancellationToken.None).ConfigureAwait(false);
                }

                while (batch.Count < _options.BatchSize && reader.TryRead(out var pending))
                {
                    batch.Add(pending);
                }

                await WriteWithRetryAsync(batch, stoppingToken).ConfigureAwait(false);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            LogUnwritten(_logger, batch.Count + reader.Count);
        }
    }

    private async Task WriteWithRetryAsync(List<PendingUsage> batch, CancellationToken stoppingToken)
    {
        // Built once: a retry must send the same calls (the same markers), or an applied call would be applied again.
        var calls = UsageAppendScript.Calls(batch, _options);
        var delay = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            try
            {
                await WriteAsync(calls).ConfigureAwait(false);
                _written.Add(batch.Count);
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                _failures.Add(1);
                LogWriteFailed(_logger, batch.Count, ex.GetType().Name);
                await Task.Delay(delay, _time, stoppingToken).ConfigureAwait(false);
                delay = delay * 2 > MaxBackoff ? MaxBackoff : delay * 2;
            }
        }
    }

    private async Task WriteAsync(List<UsageAppendScript.Call> calls)
    {
        var db = _redis.GetDatabase();
        _scriptHash ??= await LoadScriptAsync().ConfigureAwait(false);
        var writes = new Task<RedisResult>[calls.Count];
        var redisBatch = db.CreateBatch();
        for (var i = 0; i < calls.Count; i++)
        {
            writes[i] = redisBatch.ScriptEvaluateAsync(_scriptHash, calls[i].Keys, calls[i].Args);
        }

        redisBatch.Execute();
        try
        {
            await Task.WhenAll(writes).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            // Redis restarted and lost its script cache: load it again and retry the (idempotent) calls.
            _scriptHash = null;
            throw;
        }
    }

    private async Task<byte[]> LoadScriptAsync()
    {
        foreach (var endpoint in _redis.GetEndPoints())
        {
            var server = _redis.GetServer(endpoint);
            if (server.IsConnected && !server.IsReplica)
            {
                return await server.ScriptLoadAsync(UsageAppendScript.Source).ConfigureAwait(false);
            }
        }

        throw new RedisException("No connected Redis primary to load the usage script on.");
    }

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "Writing {Count} usage events failed ({Error}); retrying")]
    private static partial void LogWriteFailed(ILogger logger, int count, string error);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Error, Message = "Shutdown cut the usage writer off with {Count} events unwritten")]
    private static partial void LogUnwritten(ILogger logger, int count);
}
