using AspireAoai.Api.Routing;
using Azure.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AspireAoai.Api.Tests.Routing;

public sealed class AccessTokenCacheTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task ManyRequests_OneTokenFetch_WithTheCognitiveServicesScope()
    {
        var credential = new CountingCredential(_time, TimeSpan.FromHours(1));
        var cache = new AccessTokenCache(credential, _time, NullLogger<AccessTokenCache>.Instance);

        for (var i = 0; i < 100; i++)
        {
            Assert.Equal("Bearer token-1", await cache.GetAuthorizationHeaderAsync(CancellationToken.None));
        }

        Assert.Equal(1, credential.Fetches);
        Assert.Equal(["https://cognitiveservices.azure.com/.default"], credential.LastScopes!);
    }

    [Fact]
    public async Task ConcurrentFirstRequests_ShareOneFetch()
    {
        var credential = new CountingCredential(_time, TimeSpan.FromHours(1)) { Gate = new TaskCompletionSource() };
        var cache = new AccessTokenCache(credential, _time, NullLogger<AccessTokenCache>.Instance);

        var waiting = Enumerable.Range(0, 20).Select(_ => cache.GetAuthorizationHeaderAsync(CancellationToken.None).AsTask()).ToArray();
        credential.Gate.SetResult();
        var headers = await Task.WhenAll(waiting);

        Assert.All(headers, h => Assert.Equal("Bearer token-1", h));
        Assert.Equal(1, credential.Fetches);
    }

    [Fact]
    public async Task Token_IsRefreshedFiveMinutesBeforeExpiry_InTheBackground_WhileTheOldOneIsServed()
    {
        var credential = new CountingCredential(_time, TimeSpan.FromHours(1));
        var cache = new AccessTokenCache(credential, _time, NullLogger<AccessTokenCache>.Instance);
        await cache.GetAuthorizationHeaderAsync(CancellationToken.None);

        _time.Advance(TimeSpan.FromMinutes(54));
        Assert.Equal("Bearer token-1", await cache.GetAuthorizationHeaderAsync(CancellationToken.None));
        Assert.Equal(1, credential.Fetches);

        _time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        // Inside the refresh window: the still-valid token is served and one refresh starts.
        Assert.Equal("Bearer token-1", await cache.GetAuthorizationHeaderAsync(CancellationToken.None));
        await credential.WaitForFetchesAsync(2);
        Assert.Equal("Bearer token-2", await cache.GetAuthorizationHeaderAsync(CancellationToken.None));
        Assert.Equal(2, credential.Fetches);
    }

    [Fact]
    public async Task ExpiredToken_IsNeverServed()
    {
        var credential = new CountingCredential(_time, TimeSpan.FromHours(1));
        var cache = new AccessTokenCache(credential, _time, NullLogger<AccessTokenCache>.Instance);
        await cache.GetAuthorizationHeaderAsync(CancellationToken.None);

        _time.Advance(TimeSpan.FromHours(2));

        Assert.Equal("Bearer token-2", await cache.GetAuthorizationHeaderAsync(CancellationToken.None));
    }

    [Fact]
    public async Task FailedFetch_Surfaces_AndTheNextRequestTriesAgain()
    {
        var credential = new CountingCredential(_time, TimeSpan.FromHours(1)) { FailNext = true };
        var cache = new AccessTokenCache(credential, _time, NullLogger<AccessTokenCache>.Instance);

        await Assert.ThrowsAsync<Azure.Identity.CredentialUnavailableException>(() => cache.GetAuthorizationHeaderAsync(CancellationToken.None).AsTask());
        Assert.Equal("Bearer token-2", await cache.GetAuthorizationHeaderAsync(CancellationToken.None));
    }

    /// <summary>A credential that counts its fetches: the seam the gateway's DI exposes as <see cref="TokenCredential"/>.</summary>
    internal sealed class CountingCredential(TimeProvider time, TimeSpan lifetime) : TokenCredential
    {
        private int _fetches;

        public int Fetches => Volatile.Read(ref _fetches);

        public string[]? LastScopes { get; private set; }

        public TaskCompletionSource? Gate { get; init; }

        public bool FailNext { get; set; }

        public override AccessToken GetToken(TokenRequestContext requestContext, CancellationToken cancellationToken)
            => GetTokenAsync(requestContext, cancellationToken).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<AccessToken> GetTokenAsync(TokenRequestContext requestContext, CancellationToken cancellationToken)
        {
            if (Gate is not null)
            {
                await Gate.Task;
            }

            var n = Interlocked.Increment(ref _fetches);
            LastScopes = requestContext.Scopes;
            if (FailNext)
            {
                FailNext = false;
                throw new Azure.Identity.CredentialUnavailableException("no identity here");
            }

            return new AccessToken($"token-{n}", time.GetUtcNow() + lifetime);
        }

        public async Task WaitForFetchesAsync(int count)
        {
            for (var i = 0; i < 200 && Fetches < count; i++)
            {
                await Task.Delay(10);
            }

            await Task.Delay(20);
        }
    }
}
