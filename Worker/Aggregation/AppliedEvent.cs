using AspireAoai.Accounting.Pricing;
using AspireAoai.Accounting.Usage;
using AspireAoai.Worker.Usage;

namespace AspireAoai.Worker.Aggregation;

/// <summary>A parsed usage event with its stream id and cost.</summary>
public readonly record struct AppliedEvent(StreamId Id, UsageEvent Usage, UsageCost Cost);
