using System.Net;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AspireAoai.ServiceDefaults.Cosmos;

/// <summary>
/// Makes sure the database and containers exist: at start (in the background, retrying while the server is not up
/// yet, so the app starts at once; <see cref="Ready"/> tells when) and again whenever a user meets a missing one
/// (<see cref="EnsureAsync"/>, <see cref="ReportMissing"/>): a local server restarted empty, a container deleted in
/// place. One attempt runs at a time, shared by every caller; attempts are spaced by a back-off that doubles from
/// 100 ms to 5 s while they fail. With <c>Cosmos:CreateResources</c> off an attempt only checks, logs one error
/// naming what is missing, and <see cref="Missing"/> says it for the health check.
/// </summary>
public sealed partial class CosmosResourceInitializer(
    CosmosClient client,
    IOptions<CosmosOptions> options,
    TimeProvider time,
    ILogger<CosmosResourceInitializer> logger) : BackgroundService
{
    private static readonly TimeSpan FirstBackoff = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);

    /// <summary>After a success, stragglers that met the old 404 start no new attempt for this long.</summary>
    private static readonly TimeSpan AfterSuccess = TimeSpan.FromMilliseconds(250);

    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Lock _gate = new();
    private Task<bool>? _attempt;
    private long _notBefore;
    private TimeSpan _backoff = FirstBackoff;
    private volatile bool _started;
    private volatile bool _cacheMissing;
    private volatile bool _costsMissing;
    private volatile string? _missing;
    private volatile Exception? _lastError;
    private bool _missingLogged;
    private bool _failureLogged;

    /// <summary>Completes once the resources exist at start; faults when the start gave up (later attempts may still succeed).</summary>
    public Task Ready => _ready.Task;

    /// <summary>
    /// True while container <paramref name="name"/> is believed to exist: false before the resources were first ensured,
    /// and from a report that it is missing until it exists again.
    /// </summary>
    public bool IsAvailable(string name) => _started && !(IsCache(name) ? _cacheMissing : _costsMissing);

    /// <summary>What the last check found missing (e.g. <c>container 'costs' of database 'aoai'</c>) while it cannot be created; else null.</summary>
    public string? Missing => _missing;

    /// <summary>
    /// Creates the database and containers if missing (only checks when <c>Cosmos:CreateResources</c> is off), joining the
    /// attempt in progress if there is one. True when they exist afterwards.
    /// </summary>
    public Task<bool> EnsureAsync(CancellationToken cancellationToken)
    {
        Task<bool> attempt;
        lock (_gate)
        {
            if (_attempt is null || _attempt.IsCompleted)
            {
                _attempt = Task.Run(AttemptAsync, CancellationToken.None);
            }

            attempt = _attempt;
        }

        return attempt.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// A user of container <paramref name="name"/> met "the database or container does not exist" (or found it unavailable):
    /// mark it unavailable and (re-)create the resources in the background. Never waits.
    /// </summary>
    public void ReportMissing(string name)
    {
        if (IsCache(name)) _cacheMissing = true;
        else _costsMissing = true;
        _ = EnsureAsync(CancellationToken.None);
    }

    private bool IsCache(string name) => string.Equals(name, options.Value.CacheContainer, StringComparison.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        if (!o.CreateResources)
        {
            // Nothing to create: assume they exist and find out on use.
            _started = true;
            _ready.TrySetResult();
            return;
        }

        var started = time.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            bool ok;
            try
            {
                ok = await EnsureAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                _ready.TrySetCanceled(stoppingToken);
                return;
            }

            if (_stopping.IsCancellationRequested)
            {
                _ready.TrySetCanceled(stoppingToken);
                return;
            }

            if (ok)
            {
                LogReady(logger, o.DatabaseName, attempt);
                _ready.TrySetResult();
                return;
            }

            if (_lastError is { } error && !IsTransient(error))
            {
                // Wrong key, no rights: retrying on our own will not help, and the message must be seen.
                LogFailed(logger, error, o.DatabaseName);
                _ready.TrySetException(error);
                return;
            }

            if (time.GetElapsedTime(started) > o.InitializationTimeout)
            {
                LogGaveUp(logger, _lastError, o.DatabaseName, attempt);
                _ready.TrySetException(new InvalidOperationException(
                    $"Cosmos DB resources could not be created within {o.InitializationTimeout}.", _lastError));
                return;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public override void Dispose()
    {
        _stopping.Dispose();
        base.Dispose();
    }

    private async Task<bool> AttemptAsync()
    {
        var ct = _stopping.Token;
        var o = options.Value;
        try
        {
            var wait = Volatile.Read(ref _notBefore) - time.GetTimestamp();
            if (wait > 0)
            {
                await Task.Delay(TimeSpan.FromSeconds((double)wait / time.TimestampFrequency), time, ct).ConfigureAwait(false);
            }

            if (o.CreateResources)
            {
                var created = await CosmosResources.CreateAsync(client, o, ct).ConfigureAwait(false);
                if (created is not null && _ready.Task.IsCompleted)
                {
                    LogRecreated(logger, created);
                }
            }
            else if (await CosmosResources.FindMissingAsync(client, o, ct).ConfigureAwait(false) is { } missing)
            {
                _missing = missing.Description;
                _cacheMissing = missing.Cache;
                _costsMissing = missing.Costs;
                if (!_missingLogged)
                {
                    _missingLogged = true;
                    LogMissingNotCreating(logger, missing.Description);
                }

                Backoff();
                return false;
            }

            _missing = null;
            _missingLogged = false;
            _failureLogged = false;
            _lastError = null;
            _backoff = FirstBackoff;
            Volatile.Write(ref _notBefore, time.GetTimestamp() + Ticks(AfterSuccess));
            _cacheMissing = false;
            _costsMissing = false;
            _started = true;
            return true;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception ex)
        {
            _lastError = ex;
            if (!IsTransient(ex) && !_failureLogged && _ready.Task.IsCompleted)
            {
                _failureLogged = true;
                LogFailed(logger, ex, o.DatabaseName);
            }
            else
            {
                LogRetrying(logger, ex.GetType().Name, _backoff.TotalMilliseconds);
            }

            Backoff();
            return false;
        }
    }

    private void Backoff()
    {
        Volatile.Write(ref _notBefore, time.GetTimestamp() + Ticks(_backoff));
        _backoff = TimeSpan.FromTicks(Math.Min(_backoff.Ticks * 2, MaxBackoff.Ticks));
    }

    private long Ticks(TimeSpan span) => (long)(span.TotalSeconds * time.TimestampFrequency);

    private static bool IsTransient(Exception ex) => ex switch
    {
        CosmosException c => c.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.RequestTimeout
            or HttpStatusCode.TooManyRequests or HttpStatusCode.InternalServerError or HttpStatusCode.Gone
            or HttpStatusCode.Conflict or HttpStatusCode.NotFound,
        HttpRequestException or TimeoutException or OperationCanceledException => true,
        _ => ex.InnerException is { } inner && IsTransient(inner),
    };

    [LoggerMessage(EventId = 7100, Level = LogLevel.Information, Message = "Cosmos DB database {Database} and its containers are ready (attempt {Attempt})")]
    private static partial void LogReady(ILogger logger, string database, int attempt);

    [LoggerMessage(EventId = 7101, Level = LogLevel.Debug, Message = "Cosmos DB resources not ensured yet ({Error}); next attempt in {DelayMs} ms at the earliest")]
    private static partial void LogRetrying(ILogger logger, string error, double delayMs);

    [LoggerMessage(EventId = 7102, Level = LogLevel.Error, Message = "Gave up creating Cosmos DB database {Database} at start after {Attempt} attempts; users re-create it when they need it")]
    private static partial void LogGaveUp(ILogger logger, Exception? exception, string database, int attempt);

    [LoggerMessage(EventId = 7103, Level = LogLevel.Error, Message = "Creating Cosmos DB database {Database} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string database);

    [LoggerMessage(EventId = 7104, Level = LogLevel.Warning, Message = "Cosmos DB resources were missing and have been re-created: {Created}")]
    private static partial void LogRecreated(ILogger logger, string created);

    [LoggerMessage(EventId = 7105, Level = LogLevel.Error, Message = "Cosmos DB {Missing} does not exist and Cosmos:CreateResources is off, so it is not created: create it (infra/ does), or turn Cosmos:CreateResources on. Until then the cache is skipped, usage reports answer 503 and the Worker holds usage events unacknowledged")]
    private static partial void LogMissingNotCreating(ILogger logger, string missing);
}
