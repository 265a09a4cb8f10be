namespace AspireAoai.Worker.Aggregation;

/// <summary>What kind of total an aggregate document holds.</summary>
public enum AggregateKind
{
    /// <summary>Per client, UTC day, model and deployment: <c>{yyyy-MM-dd}|{model}|{deployment}</c>.</summary>
    Usage,

    /// <summary>A client's spend on one UTC day: <c>spend|{yyyy-MM-dd}</c>.</summary>
    DailySpend,

    /// <summary>A client's spend in one UTC month: <c>spend|{yyyy-MM}</c>.</summary>
    MonthlySpend,
}
