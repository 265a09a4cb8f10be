using AspireAoai.Api.Routing;
using Microsoft.Extensions.Time.Testing;

namespace AspireAoai.Api.Tests.Routing;

public sealed class DeploymentPoolTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public void Select_WithHealthyPool_AlwaysPicksPriorityOneRegardlessOfOrderAndWeight()
    {
        var payg = TestDeployments.Create("payg", priority: 2, weight: 1000);
        var ptu = TestDeployments.Create("ptu", priority: 1, weight: 1);
        var pool = TestDeployments.Pool(payg, ptu);
        var random = new Random(1);

        for (var i = 0; i < 200; i++)
        {
            Assert.Same(ptu, pool.Select(default, _time.GetUtcNow(), random));
        }
    }

    [Fact]
    public void Select_InsideAPriorityGroup_SplitsByWeight()
    {
        var a = TestDeployments.Create("a", weight: 3);
        var b = TestDeployments.Create("b", weight: 1);
        var pool = TestDeployments.Pool(a, b);
        var random = new Random(42);

        var picksOfA = 0;
        for (var i = 0; i < 4000; i++)
        {
            if (pool.Select(default, _time.GetUtcNow(), random) == a)
            {
                picksOfA++;
            }
        }

        Assert.InRange(picksOfA, 2800, 3200);
    }

    [Fact]
    public void Select_SkipsCoolingDeployment_AndFallsToNextPriority()
    {
        var primary = TestDeployments.Create("primary", priority: 1);
        var secondary = TestDeployments.Create("secondary", priority: 2);
        var pool = TestDeployments.Pool(primary, secondary);
        primary.CoolDown(_time.GetUtcNow().AddSeconds(5));

        Assert.Same(secondary, pool.Select(default, _time.GetUtcNow(), new Random(1)));
    }

    [Fact]
    public void Select_NeverPicksADeploymentThisRequestAlreadyTried_EvenIfItIsNotCooling()
    {
        var primary = TestDeployments.Create("primary", priority: 1);
        var secondary = TestDeployments.Create("secondary", priority: 2);
        var pool = TestDeployments.Pool(primary, secondary);
        var tried = default(TriedSet).Add(primary.PoolIndex);

        Assert.Same(secondary, pool.Select(tried, _time.GetUtcNow(), new Random(1)));
        Assert.Null(pool.Select(tried.Add(secondary.PoolIndex), _time.GetUtcNow(), new Random(1)));
    }

    [Fact]
    public void Select_WhenEveryDeploymentCools_ReturnsNullAndTheEarliestRecovery()
    {
        var primary = TestDeployments.Create("primary", priority: 1);
        var secondary = TestDeployments.Create("secondary", priority: 2);
        var pool = TestDeployments.Pool(primary, secondary);
        var now = _time.GetUtcNow();
        primary.CoolDown(now.AddMilliseconds(4000));
        secondary.CoolDown(now.AddMilliseconds(1500));

        Assert.Null(pool.Select(default, now, new Random(1)));
        Assert.True(pool.AllCooling(now));
        Assert.Equal(now.AddMilliseconds(1500), pool.EarliestRecovery(now));
    }

    [Fact]
    public void CoolDown_LastsExactlyAsLongAsAsked_ThenTrafficReturnsToThePrimary()
    {
        var primary = TestDeployments.Create("primary", priority: 1);
        var secondary = TestDeployments.Create("secondary", priority: 2);
        var pool = TestDeployments.Pool(primary, secondary);
        primary.CoolDown(_time.GetUtcNow().AddMilliseconds(1500));

        _time.Advance(TimeSpan.FromMilliseconds(1499));
        Assert.Same(secondary, pool.Select(default, _time.GetUtcNow(), new Random(1)));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Same(primary, pool.Select(default, _time.GetUtcNow(), new Random(1)));
    }

    [Fact]
    public void CoolDown_AShorterCoolDownNeverShortensALongerOne()
    {
        var d = TestDeployments.Create("d");
        var now = _time.GetUtcNow();

        Assert.True(d.CoolDown(now.AddSeconds(30)));
        Assert.False(d.CoolDown(now.AddSeconds(2)));

        Assert.Equal(now.AddSeconds(30), d.CoolingUntil(now));
    }

    [Fact]
    public void Select_SkipsDeploymentWithoutCapacity()
    {
        var primary = TestDeployments.Create("primary", priority: 1);
        var secondary = TestDeployments.Create("secondary", priority: 2);
        var pool = TestDeployments.Pool(primary, secondary);
        var request = FakeRequest.For(pool);

        Assert.Same(secondary, pool.Select(default, _time.GetUtcNow(), new Random(1), new NoRoomFor(primary), request));
    }

    private sealed class NoRoomFor(Deployment full) : IDeploymentCapacity
    {
        public bool HasCapacity(Deployment deployment, GatewayRequest request) => deployment != full;
    }
}
