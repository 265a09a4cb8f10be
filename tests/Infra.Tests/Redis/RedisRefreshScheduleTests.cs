using Azure.Core;
using AspireAoai.ServiceDefaults.Redis;

namespace AspireAoai.Infra.Tests.Redis;

public sealed class RedisRefreshScheduleTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void RefreshTime_ForALongToken_IsFiveMinutesBeforeExpiry()
    {
        var token = new AccessToken("t", Now.AddHours(1));

        Assert.Equal(Now.AddMinutes(55), RedisEntraIdAuthenticator.RefreshTime(token, Now));
    }

    [Fact]
    public void RefreshTime_FollowsTheCredentialsSuggestion_WhenItIsEarlier()
    {
        var token = new AccessToken("t", Now.AddHours(24), Now.AddHours(12), "Bearer");

        Assert.Equal(Now.AddHours(12), RedisEntraIdAuthenticator.RefreshTime(token, Now));
    }

    [Fact]
    public void RefreshTime_ForAShortToken_IsHalfWayToExpiry()
    {
        var token = new AccessToken("t", Now.AddMinutes(8));

        Assert.Equal(Now.AddMinutes(4), RedisEntraIdAuthenticator.RefreshTime(token, Now));
    }

    [Fact]
    public void RefreshTime_IsNeverSoonerThanTheMinimumInterval()
    {
        var token = new AccessToken("t", Now.AddSeconds(10));

        Assert.Equal(Now + RedisEntraIdAuthenticator.MinimumInterval, RedisEntraIdAuthenticator.RefreshTime(token, Now));
    }
}
