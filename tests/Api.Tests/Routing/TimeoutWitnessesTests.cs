using AspireAoai.Api.Routing;

namespace AspireAoai.Api.Tests.Routing;

public sealed class TimeoutWitnessesTests
{
    private static readonly DateTimeOffset Start = new(2026, 4, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(2);

    [Fact]
    public void OneClientsTimeouts_NeverCool_HoweverMany()
    {
        var witnesses = new TimeoutWitnesses();
        for (var i = 0; i < 50; i++)
        {
            Assert.False(witnesses.Record("a", Start.AddSeconds(i), Window, clientsNeeded: 2));
        }
    }

    [Fact]
    public void TwoClientsWithinTheWindow_Cool_AndTheRecordStartsAfresh()
    {
        var witnesses = new TimeoutWitnesses();
        Assert.False(witnesses.Record("a", Start, Window, 2));
        Assert.True(witnesses.Record("b", Start.AddSeconds(119), Window, 2));
        Assert.False(witnesses.Record("c", Start.AddSeconds(120), Window, 2));
    }

    [Fact]
    public void ATimeoutOlderThanTheWindow_NoLongerCounts()
    {
        var witnesses = new TimeoutWitnesses();
        Assert.False(witnesses.Record("a", Start, Window, 2));
        Assert.False(witnesses.Record("b", Start.AddSeconds(121), Window, 2));
        Assert.True(witnesses.Record("a", Start.AddSeconds(122), Window, 2));
    }

    [Fact]
    public void AnAnswer_ClearsTheRecord()
    {
        var witnesses = new TimeoutWitnesses();
        Assert.False(witnesses.Record("a", Start, Window, 2));
        witnesses.Clear();
        Assert.False(witnesses.Record("b", Start.AddSeconds(1), Window, 2));
    }
}
