using AspireAoai.Accounting.Pricing;
using AspireAoai.Accounting.Usage;
using AspireAoai.Worker.Aggregation;
using AspireAoai.Worker.Usage;

namespace AspireAoai.Worker.Tests.Aggregation;

public class AggregateDocumentTests
{
    private static readonly DateTimeOffset Now = new(2026, 4, 1, 0, 0, 0, TimeSpan.Zero);

    private static AppliedEvent Event(long ms, long input = 1000, decimal? cost = 0.01m) => new(
        new StreamId(ms, 0),
        new UsageEvent("r", Now, "c", "gpt-4o", "", "d", "", input, 0, 10, false, 0, 0, 200, 5, 1, false),
        new UsageCost("gpt-4o", cost, 0m));

    private static AggregateDocument NewDoc() =>
        AggregateDocument.Create(AggregateKey.For(Event(1).Usage)[0]);

    [Fact]
    public void ApplyingTheSameEventsTwice_CountsThemOnce()
    {
        var doc = NewDoc();
        var events = new[] { Event(1), Event(2), Event(3) };

        var first = doc.Apply(events, StreamId.Zero, Now);
        var second = doc.Apply(events, StreamId.Zero, Now);

        Assert.Equal(3, first.Count);
        Assert.Empty(second);
        Assert.Equal(3, doc.Requests);
        Assert.Equal(3000, doc.InputTokens);
        Assert.Equal("0.03", doc.Cost);
    }

    [Fact]
    public void RaisingTheHorizon_ForgetsIdsBelowIt_AndStillRejectsThem()
    {
        var doc = NewDoc();
        doc.Apply([Event(1), Event(2), Event(5)], StreamId.Zero, Now);

        doc.Apply([Event(6)], new StreamId(5, 0), Now);
        var replay = doc.Apply([Event(1), Event(2)], StreamId.Zero, Now);

        Assert.Equal(["5-0", "6-0"], doc.Applied.Order());
        Assert.Equal("5-0", doc.Horizon);
        Assert.Empty(replay);
        Assert.Equal(4, doc.Requests);
    }

    [Fact]
    public void HorizonNeverMovesBack()
    {
        var doc = NewDoc();
        doc.Apply([Event(10)], new StreamId(10, 0), Now);
        doc.Apply([Event(11)], new StreamId(3, 0), Now);

        Assert.Equal("10-0", doc.Horizon);
    }

    [Fact]
    public void UnpricedEvent_FlagsTheDocument_AndLeavesCostNullWhenNothingWasPriced()
    {
        var doc = NewDoc();
        doc.Apply([Event(1, cost: null)], StreamId.Zero, Now);

        Assert.True(doc.Unpriced);
        Assert.Equal(1, doc.UnpricedRequests);
        Assert.Null(doc.Cost);

        doc.Apply([Event(2, cost: 0.5m)], StreamId.Zero, Now);
        Assert.Equal(0.5m, doc.CostValue);
        Assert.True(doc.Unpriced);
    }

    [Fact]
    public void EstimatedEvents_AreCountedInTheTotals_AndApartAsEstimated()
    {
        var doc = NewDoc();
        var estimated = Event(2, input: 40) with { Usage = Event(2, input: 40).Usage with { Estimated = true, OutputTokens = 25 } };

        doc.Apply([Event(1), estimated], StreamId.Zero, Now);

        Assert.Equal(2, doc.Requests);
        Assert.Equal(1040, doc.InputTokens);
        Assert.Equal(35, doc.OutputTokens);
        Assert.Equal(1, doc.EstimatedRequests);
        Assert.Equal(40, doc.EstimatedInputTokens);
        Assert.Equal(25, doc.EstimatedOutputTokens);
        Assert.Equal(0.02m, doc.CostValue);
    }

    [Fact]
    public void Ids_FollowTheDocumentedLayout()
    {
        var usage = new UsageEvent("r", new DateTimeOffset(2026, 3, 31, 23, 59, 59, TimeSpan.Zero), "acme", "gpt-4o-mini", "", "", "", 1, 0, 1, false, 0, 0, 429, 1, 1, false);

        var keys = AggregateKey.For(usage);

        Assert.Equal(["2026-03-31|gpt-4o-mini|-", "spend|2026-03-31", "spend|2026-03"], keys.Select(k => k.Id));
        Assert.All(keys, k => Assert.Equal("acme", k.ClientId));
    }
}
