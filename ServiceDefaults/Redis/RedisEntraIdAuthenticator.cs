using Azure.Core;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireAoai.ServiceDefaults.Redis;

/// <summary>
/// Keeps a Redis connection authenticated with Entra ID: puts the identity's object id and a token into the
/// <see cref="ConfigurationOptions"/> (used for every new or restored connection, since the multiplexer keeps that
/// instance) and, before the token expires, fetches a new one and sends <c>AUTH</c> on every connected server so live
/// connections are not dropped when the old token runs out.
/// </summary>
/// <remarks>
/// Written for this project because Microsoft.Azure.StackExchangeRedis is not available to it. A subscription-only
/// connection cannot run AUTH (RESP2); if the server closes it at expiry, the multiplexer reconnects it with the
/// current token. The gateway does not use pub/sub.
/// </remarks>
public sealed partial class RedisEntraIdAuthenticator : IDisposable, IAsyncDisposable
{
    /// <summary>Refresh this long before expiry at the latest.</summary>
    internal static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);

    /// <summary>Never refresh sooner than this after the previous attempt (a credential may hand back its cached token).</summary>
    internal static readonly TimeSpan MinimumInterval = TimeSpan.FromSeconds(30);

    /// <summary>First retry delay after a failed refresh; doubles up to <see cref="MaximumRetryDelay"/>.</summary>
    internal static readonly TimeSpan FirstRetryDelay = TimeSpan.FromSeconds(5);

    internal static readonly TimeSpan MaximumRetryDelay = TimeSpan.FromMinutes(2);

    private readonly TokenCredential _credential;
    private readonly TimeProvider _time;
    private readonly ILogger<RedisEntraIdAuthenticator> _logger;
    private readonly TokenRequestContext _request;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stopping = new();
    private ConfigurationOptions? _options;
    private IConnectionMultiplexer? _multiplexer;
    private ITimer? _timer;
    private TimeSpan _retryDelay = FirstRetryDelay;
    private int _refreshing;

    public RedisEntraIdAuthenticator(
        TokenCredential credential,
        TimeProvider time,
        IOptions<RedisOptions> options,
        ILogger<RedisEntraIdAuthenticator> logger)
    {
        _credential = credential;
        _time = time;
        _logger = logger;
        _request = new TokenRequestContext([options.Value.TokenScope]);
    }

    /// <summary>When the current token expires; null before the first token arrived.</summary>
    public DateTimeOffset? ExpiresOn { get; private set; }

    /// <summary>
    /// Sets user and password from a first token and starts the refresh timer. Called while the options are built, which
    /// is synchronous; a failure is logged and retried so the app starts (and Redis connects) once a token is available.
    /// </summary>
    public void Attach(ConfigurationOptions options)
    {
        lock (_gate)
        {
            if (_options is not null && !ReferenceEquals(_options, options))
            {
                throw new InvalidOperationException("A RedisEntraIdAuthenticator serves one Redis connection.");
            }

            _options = options;
        }

        try
        {
            Apply(_credential.GetToken(_request, _stopping.Token));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogTokenFailed(_logger, ex, FirstRetryDelay.TotalSeconds);
            Schedule(FirstRetryDelay);
        }
    }

    /// <summary>Remembers the multiplexer built from the attached options, to re-authenticate its live connections.</summary>
    public void Bind(IConnectionMultiplexer multiplexer)
    {
        lock (_gate) _multiplexer = multiplexer;
    }

    /// <summary>Fetches a new token, stores it for new connections and sends AUTH on every connected server.</summary>
    public async Task RefreshAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _refreshing, 1) == 1) return;
        try
        {
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopping.Token);
            string user, password;
            try
            {
                (user, password) = Apply(await _credential.GetTokenAsync(_request, linked.Token).ConfigureAwait(false));
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                var delay = NextRetryDelay();
                LogTokenFailed(_logger, ex, delay.TotalSeconds);
                Schedule(delay);
                return;
            }

            await ReauthenticateAsync(user, password).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }

    public void Dispose()
    {
        if (_stopping.IsCancellationRequested) return;
        _stopping.Cancel();
        lock (_gate)
        {
            _timer?.Dispose();
            _timer = null;
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    private (string User, string Password) Apply(AccessToken token)
    {
        var user = RedisEntraToken.TryGetObjectId(token.Token)
            ?? throw new InvalidOperationException(
                "The Entra ID token for Redis has no 'oid' claim; Redis needs the identity's object id as the user name.");

        ConfigurationOptions options;
        lock (_gate) options = _options ?? throw new InvalidOperationException("Attach the ConfigurationOptions first.");

        // The multiplexer reads these for every (re)connection handshake.
        options.User = user;
        options.Password = token.Token;
        ExpiresOn = token.ExpiresOn;
        _retryDelay = FirstRetryDelay;

        var refreshAt = RefreshTime(token, _time.GetUtcNow());
        LogTokenAcquired(_logger, token.ExpiresOn, refreshAt);
        Schedule(refreshAt - _time.GetUtcNow());
        return (user, token.Token);
    }

    /// <summary>
    /// When to refresh: at the credential's suggested refresh time, but no later than <see cref="RefreshMargin"/> before
    /// expiry (or half the remaining life of a short token), and no sooner than <see cref="MinimumInterval"/> from now.
    /// </summary>
    internal static DateTimeOffset RefreshTime(AccessToken token, DateTimeOffset now)
    {
        var remaining = token.ExpiresOn - now;
        var margin = remaining > RefreshMargin * 2 ? RefreshMargin : remaining / 2;
        var latest = token.ExpiresOn - margin;
        var refreshAt = token.RefreshOn is { } suggested && suggested < latest ? suggested : latest;
        var earliest = now + MinimumInterval;
        return refreshAt < earliest ? earliest : refreshAt;
    }

    private async Task ReauthenticateAsync(string user, string password)
    {
        IConnectionMultiplexer? multiplexer;
        lock (_gate) multiplexer = _multiplexer;
        if (multiplexer is null) return;

        foreach (var server in multiplexer.GetServers())
        {
            if (!server.IsConnected) continue; // it authenticates with the new token when it reconnects
            try
            {
                await server.ExecuteAsync("AUTH", user, password).ConfigureAwait(false);
                LogReauthenticated(_logger, server.EndPoint.ToString() ?? "?");
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // The connection keeps its old authentication until it expires; then it reconnects with the new token.
                LogReauthenticationFailed(_logger, ex, server.EndPoint.ToString() ?? "?");
            }
        }
    }

    private TimeSpan NextRetryDelay()
    {
        var delay = _retryDelay;
        var doubled = _retryDelay * 2;
        _retryDelay = doubled > MaximumRetryDelay ? MaximumRetryDelay : doubled;
        return delay;
    }

    private void Schedule(TimeSpan delay)
    {
        if (delay < TimeSpan.Zero) delay = TimeSpan.Zero;
        lock (_gate)
        {
            if (_stopping.IsCancellationRequested) return;
            if (_timer is null)
            {
                _timer = _time.CreateTimer(static state => ((RedisEntraIdAuthenticator)state!).OnTimer(), this, delay, Timeout.InfiniteTimeSpan);
            }
            else
            {
                _timer.Change(delay, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void OnTimer() => _ = RefreshAsync();

    [LoggerMessage(EventId = 4101, Level = LogLevel.Debug, Message = "Entra ID token for Redis acquired; it expires at {ExpiresOn:o} and is refreshed at {RefreshAt:o}.")]
    private static partial void LogTokenAcquired(ILogger logger, DateTimeOffset expiresOn, DateTimeOffset refreshAt);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Warning, Message = "Could not get an Entra ID token for Redis; retrying in {RetrySeconds} s.")]
    private static partial void LogTokenFailed(ILogger logger, Exception exception, double retrySeconds);

    [LoggerMessage(EventId = 4103, Level = LogLevel.Debug, Message = "Redis connection to {EndPoint} re-authenticated with a fresh token.")]
    private static partial void LogReauthenticated(ILogger logger, string endPoint);

    [LoggerMessage(EventId = 4104, Level = LogLevel.Warning, Message = "Re-authenticating the Redis connection to {EndPoint} failed; it reconnects with the fresh token when the old one expires.")]
    private static partial void LogReauthenticationFailed(ILogger logger, Exception exception, string endPoint);
}
