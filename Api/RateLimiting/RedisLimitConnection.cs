using System.Runtime.CompilerServices;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireAoai.Api.RateLimiting;

/// <summary>
/// The limiter's view of Redis: the multiplexer (connected in the background so no request waits for a connect),
/// the script's SHA (loaded once, reloaded on NOSCRIPT), a tight timeout on every call and a breaker: after a failure
/// admissions skip Redis for <see cref="RateLimitOptions.RedisRetryInterval"/>, then one request probes it and, on
/// success, everyone is back on Redis.
/// </summary>
public sealed partial class RedisLimitConnection : IAsyncDisposable
{
    private readonly Func<IConnectionMultiplexer?> _connect;
    // Waits for Redis itself (a command's timeout, the reconnect back-off) are on the wall clock, not the injected one: a
    // test's fake clock moved ahead by days timed out the command in flight, and admissions got 503
    // rate_limit_store_unavailable. The breaker's retry interval stays on the injected clock.
    private static readonly TimeProvider Wall = TimeProvider.System;
    private readonly ILogger<RedisLimitConnection> _logger;
    private readonly TimeSpan _timeout;
    private readonly CircuitBreaker _breaker;
    private readonly Lock _gate = new();
    private Task? _connecting;
    private IConnectionMultiplexer? _multiplexer;
    private IDatabase? _database;
    private byte[]? _sha;

    public RedisLimitConnection(Func<IConnectionMultiplexer?> connect, IOptions<RateLimitOptions> options, TimeProvider time,
        ILogger<RedisLimitConnection> logger)
    {
        _connect = connect;
        _logger = logger;
        _timeout = options.Value.RedisTimeout;
        // One failure is enough: a limiter that waits out several timeouts first would hold admissions back for each.
        _breaker = new CircuitBreaker(failureThreshold: 1, options.Value.RedisRetryInterval, time);
    }

    /// <summary>True while admissions go to Redis (connected, breaker closed).</summary>
    public bool IsAvailable => _database is not null && _multiplexer!.IsConnected && !_breaker.IsOpen;

    /// <summary>Connects in the background; until then admissions use the Redis-unavailable policy.</summary>
    public Task StartAsync()
    {
        lock (_gate)
        {
            return _connecting ??= Task.Run(ConnectAsync);
        }
    }

    /// <summary>
    /// Runs the script, or returns null (without waiting) when Redis is known to be away, and null after at most the
    /// timeout when it fails now.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    internal async ValueTask<RedisResult?> EvaluateAsync(RedisKey[] keys, RedisValue[] values)
    {
        var db = _database;
        if (db is null)
        {
            _ = StartAsync();
            return null;
        }

        if (!Enter())
        {
            return null;
        }

        try
        {
            RedisResult result;
            try
            {
                result = await db.ScriptEvaluateAsync(_sha!, keys, values).WaitAsync(_timeout, Wall).ConfigureAwait(false);
            }
            catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
            {
                // A restarted or flushed server lost its script cache: load again and retry once.
                await LoadScriptAsync(db).WaitAsync(_timeout, Wall).ConfigureAwait(false);
                result = await db.ScriptEvaluateAsync(_sha!, keys, values).WaitAsync(_timeout, Wall).ConfigureAwait(false);
            }

            Succeeded();
            return result;
        }
        catch (Exception ex) when (ex is TimeoutException or RedisException or ObjectDisposedException)
        {
            Failed(ex);
            return null;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connecting is { } connecting)
        {
            try
            {
                await connecting.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or InvalidOperationException or OperationCanceledException)
            {
            }
        }
    }

    private bool Enter()
    {
        if (!_multiplexer!.IsConnected)
        {
            Failed(null);
            return false;
        }

        // Breaker open: one request at a time probes once the interval has passed.
        return _breaker.AllowRequest();
    }

    private void Succeeded()
    {
        if (_breaker.Success())
        {
            LogRecovered(_logger);
        }
    }

    private void Failed(Exception? ex)
    {
        _breaker.Failure(out var opened);
        if (opened)
        {
            LogUnavailable(_logger, ex?.GetType().Name ?? "disconnected");
        }
    }

    private async Task ConnectAsync()
    {
        var delay = TimeSpan.FromMilliseconds(200);
        while (true)
        {
            try
            {
                _multiplexer ??= _connect();
                if (_multiplexer is null)
                {
                    LogNoRedis(_logger);
                    return;
                }

                var db = _multiplexer.GetDatabase();
                await LoadScriptAsync(db).ConfigureAwait(false);
                _database = db;
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or InvalidOperationException)
            {
                // Redis down at start: keep trying in the background; admissions use the fallback meanwhile.
                LogConnectFailed(_logger, ex.GetType().Name);
                await Task.Delay(delay, Wall).ConfigureAwait(false);
                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5_000));
            }
        }
    }

    private async Task LoadScriptAsync(IDatabase db)
    {
        var sha = await db.ExecuteAsync("SCRIPT", "LOAD", SlidingWindowScript.Text).ConfigureAwait(false);
        _sha = Convert.FromHexString((string)sha!);
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Redis is unavailable for rate limits ({Reason}); applying the Redis-unavailable policy")]
    private static partial void LogUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Information, Message = "Redis is back; rate limits are shared again")]
    private static partial void LogRecovered(ILogger logger);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "No Redis connection is configured for rate limits; each replica enforces its own share of every limit")]
    private static partial void LogNoRedis(ILogger logger);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "Could not load the rate-limit script into Redis ({Reason}); retrying")]
    private static partial void LogConnectFailed(ILogger logger, string reason);
}
