using AspireAoai.Simulator.Capacity;

namespace AspireAoai.Simulator.Tests.Capacity;

public sealed class SlidingWindowTests
{
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void RequestsUpToRpm_AreAdmitted_TheNextWaitsForTheOldestToLeaveTheWindow()
    {
        var window = new SlidingWindow(rpm: 3, tpm: 1_000_000);

        Assert.True(window.TryAcquire(T0, 1).Allowed);
        Assert.True(window.TryAcquire(T0.AddSeconds(10), 1).Allowed);
        var third = window.TryAcquire(T0.AddSeconds(20), 1);
        Assert.True(third.Allowed);
        Assert.Equal(0, third.RemainingRequests);

        var refused = window.TryAcquire(T0.AddSeconds(30), 1);
        Assert.False(refused.Allowed);
        Assert.False(refused.TokenLimitHit);
        Assert.Equal(TimeSpan.FromSeconds(30), refused.RetryAfter);

        Assert.True(window.TryAcquire(T0.AddSeconds(60), 1).Allowed);
    }

    [Fact]
    public void Tokens_AreChargedOverTheWindow_AndTheRetryIsWhenEnoughTokensExpire()
    {
        var window = new SlidingWindow(rpm: 100, tpm: 1000);

        Assert.Equal(600, window.TryAcquire(T0, 400).RemainingTokens);
        Assert.Equal(100, window.TryAcquire(T0.AddSeconds(5), 500).RemainingTokens);

        var refused = window.TryAcquire(T0.AddSeconds(20), 300);
        Assert.False(refused.Allowed);
        Assert.True(refused.TokenLimitHit);
        Assert.Equal(100, refused.RemainingTokens);
        // 400 tokens leave at T0+60 s, which makes room for 300.
        Assert.Equal(TimeSpan.FromSeconds(40), refused.RetryAfter);

        Assert.False(window.TryAcquire(T0.AddSeconds(59.9), 300).Allowed);
        Assert.True(window.TryAcquire(T0.AddSeconds(60), 300).Allowed);
    }

    [Fact]
    public void ARequestLargerThanTpm_IsAlwaysRefused_WithAFullWindowToWait()
    {
        var window = new SlidingWindow(rpm: 100, tpm: 1000);

        var refused = window.TryAcquire(T0, 1001);

        Assert.False(refused.Allowed);
        Assert.Equal(TimeSpan.FromSeconds(60), refused.RetryAfter);
    }

    [Fact]
    public void Clear_EmptiesTheWindow()
    {
        var window = new SlidingWindow(rpm: 1, tpm: 10);
        Assert.True(window.TryAcquire(T0, 10).Allowed);
        Assert.False(window.TryAcquire(T0, 1).Allowed);

        window.Clear();

        Assert.True(window.TryAcquire(T0, 10).Allowed);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(999, 1)]
    [InlineData(1000, 1)]
    [InlineData(1001, 2)]
    [InlineData(37_200, 38)]
    public void RetryAfterSeconds_RoundUp_AndAreAtLeastOne(int milliseconds, int seconds) =>
        Assert.Equal(seconds, Admission.RequestAdmission.RetryAfterSeconds(TimeSpan.FromMilliseconds(milliseconds)));
}
