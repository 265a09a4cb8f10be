using AspireAoai.Api.Routing;
using Microsoft.Extensions.Time.Testing;

namespace AspireAoai.Api.Tests.Routing;

/// <summary>
/// When a deployment's cool-down ends, one request (its probe) finds out whether it is back; the others keep going to the
/// next eligible deployment until it answers. Found by the chaos run (bench/chaos, primary hangs): without probes every
/// request that arrived within the attempt timeout after each cool-down waited on the hung primary.
/// </summary>
public sealed class RecoveryProbeTests
{
    private static readonly TimeSpan ProbeFor = TimeSpan.FromSeconds(5);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero));

    private (Deployment Primary, Deployment Secondary, DeploymentPool Pool) CooledPrimary()
    {
        var primary = TestDeployments.Create("primary", priority: 1);
        var secondary = TestDeployments.Create("secondary", priority: 2);
        primary.CoolDown(_time.GetUtcNow().AddSeconds(10));
        _time.Advance(TimeSpan.FromSeconds(10));
        return (primary, secondary, TestDeployments.Pool(primary, secondary));
    }

    [Fact]
    public void AfterACoolDownEnds_OneRequestProbesThePrimary_AndTheOthersGoToTheSecondary()
    {
        var (primary, secondary, pool) = CooledPrimary();
        var now = _time.GetUtcNow();

        Assert.Same(primary, pool.Select(default, now, new Random(1), probeFor: ProbeFor));
        for (var i = 0; i < 20; i++)
        {
            Assert.Same(secondary, pool.Select(default, now, new Random(1), probeFor: ProbeFor));
        }
    }

    [Fact]
    public void WhenTheProbeIsAnswered_EveryRequestGoesBackToThePrimary()
    {
        var (primary, _, pool) = CooledPrimary();
        Assert.Same(primary, pool.Select(default, _time.GetUtcNow(), new Random(1), probeFor: ProbeFor));

        _time.Advance(TimeSpan.FromMilliseconds(300));
        primary.RecordAnswer(_time.GetUtcNow());

        for (var i = 0; i < 20; i++)
        {
            Assert.Same(primary, pool.Select(default, _time.GetUtcNow(), new Random(1), probeFor: ProbeFor));
        }
    }

    [Fact]
    public void WhenTheProbeFails_ThePrimaryCoolsAgain_AndTheNextProbeGoesWhenThatEnds()
    {
        var (primary, secondary, pool) = CooledPrimary();
        Assert.Same(primary, pool.Select(default, _time.GetUtcNow(), new Random(1), probeFor: ProbeFor));

        _time.Advance(ProbeFor);
        primary.RecordFailure("timeout", 0, _time.GetUtcNow());
        primary.CoolDown(_time.GetUtcNow().AddSeconds(10));
        Assert.Same(secondary, pool.Select(default, _time.GetUtcNow(), new Random(1), probeFor: ProbeFor));

        _time.Advance(TimeSpan.FromSeconds(10));
        Assert.Same(primary, pool.Select(default, _time.GetUtcNow(), new Random(1), probeFor: ProbeFor));
        Assert.Same(secondary, pool.Select(default, _time.GetUtcNow(), new Random(1), probeFor: ProbeFor));
    }

    [Fact]
    public void AFailedProbeWithAShortCoolDown_DoesNotShutThePrimaryOutForTheProbesWholeBound()
    {
        var (primary, _, pool) = CooledPrimary();
        Assert.Same(primary, pool.Select(default, _time.GetUtcNow(), new Random(1), probeFor: ProbeFor));

        // A 429 with a 1 s retry-after answers long before the 5 s the probe was allowed.
        _time.Advance(TimeSpan.FromMilliseconds(20));
        primary.RecordFailure("429", 429, _time.GetUtcNow());
        primary.CoolDown(_time.GetUtcNow().AddSeconds(1));
        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Same(primary, pool.Select(default, _time.GetUtcNow(), new Random(1), probeFor: ProbeFor));
    }

    [Fact]
    public void AProbeThatEndsWithoutAWord_HoldsThePrimaryOnlyForItsBound()
    {
        var (primary, secondary, pool) = CooledPrimary();
        Assert.Same(primary, pool.Select(default, _time.GetUtcNow(), new Random(1), probeFor: ProbeFor));

        _time.Advance(ProbeFor - TimeSpan.FromMilliseconds(1));
        Assert.Same(secondary, pool.Select(default, _time.GetUtcNow(), new Random(1), probeFor: ProbeFor));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Same(primary, pool.Select(default, _time.GetUtcNow(), new Random(1), probeFor: ProbeFor));
    }

    [Fact]
    public void WithNoOtherDeployment_RequestsStillGoToTheRecoveringOne_WhileItIsProbed()
    {
        var only = TestDeployments.Create("only");
        var pool = TestDeployments.Pool(only);
        only.CoolDown(_time.GetUtcNow().AddSeconds(10));
        _time.Advance(TimeSpan.FromSeconds(10));

        Assert.Same(only, pool.Select(default, _time.GetUtcNow(), new Random(1), probeFor: ProbeFor));
        Assert.Same(only, pool.Select(default, _time.GetUtcNow(), new Random(1), probeFor: ProbeFor));
    }

    [Fact]
    public void AnAnswerDuringACoolDown_DoesNotEndIt()
    {
        var primary = TestDeployments.Create("primary", priority: 1);
        var secondary = TestDeployments.Create("secondary", priority: 2);
        var pool = TestDeployments.Pool(primary, secondary);
        primary.CoolDown(_time.GetUtcNow().AddSeconds(10));

        // A request that started before the cool-down is answered while it runs.
        primary.RecordAnswer(_time.GetUtcNow());

        Assert.Same(secondary, pool.Select(default, _time.GetUtcNow(), new Random(1), probeFor: ProbeFor));
    }

    [Fact]
    public void TheAdminReset_EndsTheCoolDownAndAnyProbe()
    {
        var (primary, _, pool) = CooledPrimary();
        Assert.Same(primary, pool.Select(default, _time.GetUtcNow(), new Random(1), probeFor: ProbeFor));

        primary.ResetCooldown();

        Assert.Same(primary, pool.Select(default, _time.GetUtcNow(), new Random(1), probeFor: ProbeFor));
    }
}
