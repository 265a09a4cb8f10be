using Azure.Core;

namespace AspireAoai.Api.Routing;

/// <summary>
/// Caches the Entra token for <c>https://cognitiveservices.azure.com/.default</c>. Requests read the cached
/// header value; a refresh starts <see cref="RefreshMargin"/> before expiry (or at the token's own refresh-on
/// time), in the background while the old token is still valid, and only one fetch runs at a time.
/// </summary>
public sealed partial class AccessTokenCache
{
    /// <summary>The scope Azure OpenAI accepts.</summary>
    public const string Scope = "https://cognitiveservices.azure.com/.default";

    /// <summary>How long before expiry a token is replaced.</summary>
    public static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(5);

    private static readonly TokenRequestContext Context = new([Scope]);

    private readonly TokenCredential _credential;
    private readonly TimeProvider _time;
    private readonly ILogger<AccessTokenCache> _logger;
    private readonly Lock _lock = new();
    private volatile CachedToken? _current;
    private Task<CachedToken>? _refresh;

    public AccessTokenCache(TokenCredential credential, TimeProvider time, ILogger<AccessTokenCache> logger)
    {
        _credential = credential;
        _time = time;
        _logger = logger;
    }

    /// <summary>The <c>Authorization</c> header value: <c>Bearer {token}</c>.</summary>
    public ValueTask<string> GetAuthorizationHeaderAsync(CancellationToken cancellationToken)
    {
        var current = _current;
        var now = _time.GetUtcNow();
        if (current is not null && now < current.ExpiresOn)
        {
            if (now >= current.RefreshOn)
            {
                // Still valid: serve it and let one background fetch replace it.
                _ = StartRefresh();
            }

            return new ValueTask<string>(current.HeaderValue);
        }

        return new ValueTask<string>(WaitForRefreshAsync(cancellationToken));
    }

    private async Task<string> WaitForRefreshAsync(CancellationToken cancellationToken)
        => (await StartRefresh().WaitAsync(cancellationToken).ConfigureAwait(false)).HeaderValue;

    private Task<CachedToken> StartRefresh()
    {
        lock (_lock)
        {
            if (_refresh is null || _refresh.IsCompleted)
            {
                _refresh = FetchAsync();
                // A failed background refresh is logged in FetchAsync; observe it so it is not reported twice.
                _refresh.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            }

            return _refresh;
        }
    }

    private async Task<CachedToken> FetchAsync()
    {
        try
        {
            // Not tied to any one request's cancellation: the token serves them all.
            var token = await _credential.GetTokenAsync(Context, CancellationToken.None).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            var refreshOn = token.RefreshOn ?? token.ExpiresOn - RefreshMargin;
            if (refreshOn > token.ExpiresOn - RefreshMargin)
            {
                refreshOn = token.ExpiresOn - RefreshMargin;
            }

            if (refreshOn <= now)
            {
                // A short-lived token: refresh half-way through what is left.
                refreshOn = now + (token.ExpiresOn - now) / 2;
            }

            var cached = new CachedToken("Bearer " + token.Token, token.ExpiresOn, refreshOn);
            _current = cached;
            LogTokenAcquired(_logger, token.ExpiresOn, refreshOn);
            return cached;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogTokenFailed(_logger, ex);
            throw;
        }
    }

    private sealed record CachedToken(string HeaderValue, DateTimeOffset ExpiresOn, DateTimeOffset RefreshOn);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Acquired an Entra token for Azure OpenAI, expiring {ExpiresOn:O}, refresh from {RefreshOn:O}")]
    private static partial void LogTokenAcquired(ILogger logger, DateTimeOffset expiresOn, DateTimeOffset refreshOn);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error, Message = "Could not acquire an Entra token for Azure OpenAI; managed-identity deployments fail until it succeeds")]
    private static partial void LogTokenFailed(ILogger logger, Exception exception);
}
