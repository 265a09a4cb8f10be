using Microsoft.Extensions.Time.Testing;

namespace AspireAoai.Api.Tests;

public sealed class CircuitBreakerTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void TheCircuit_OpensAtTheThresholdthFailureInARow_AndASuccessBetweenStartsTheCountAgain()
    {
        var breaker = new CircuitBreaker(3, TimeSpan.FromSeconds(10), _time);
        Assert.False(breaker.Failure());
        Assert.False(breaker.Failure());
        breaker.Success();
        Assert.False(breaker.Failure());
        Assert.False(breaker.Failure());
        Assert.True(breaker.AllowRequest());

        Assert.True(breaker.Failure(out var opened));
        Assert.True(opened);
        Assert.True(breaker.IsOpen);
        Assert.False(breaker.AllowRequest());
    }

    [Fact]
    public void AfterTheBreak_OneCallerProbes_AndItsSuccessClosesTheCircuit()
    {
        var breaker = new CircuitBreaker(1, TimeSpan.FromSeconds(10), _time);
        breaker.Failure();
        _time.Advance(TimeSpan.FromSeconds(9.9));
        Assert.False(breaker.AllowRequest());

        _time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.True(breaker.AllowRequest());
        Assert.False(breaker.AllowRequest());
        Assert.True(breaker.IsOpen);

        Assert.True(breaker.Success());
        Assert.False(breaker.IsOpen);
        Assert.True(breaker.AllowRequest());
        Assert.False(breaker.Success());
    }

    [Fact]
    public void AFailedProbe_OpensTheCircuitForAnotherBreak_WithoutReportingItOpenedAgain()
    {
        var breaker = new CircuitBreaker(1, TimeSpan.FromSeconds(10), _time);
        breaker.Failure();
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(breaker.AllowRequest());

        Assert.True(breaker.Failure(out var opened));
        Assert.False(opened);
        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(breaker.AllowRequest());
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(breaker.AllowRequest());
    }

    [Fact]
    public void AProbeThatNeverReports_LetsTheNextCallerProbeOneBreakLater()
    {
        var breaker = new CircuitBreaker(1, TimeSpan.FromSeconds(10), _time);
        breaker.Failure();
        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(breaker.AllowRequest());

        _time.Advance(TimeSpan.FromSeconds(9));
        Assert.False(breaker.AllowRequest());
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(breaker.AllowRequest());
    }
}
