using System.Globalization;
using AspireAoai.Accounting.Usage;

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

/// <summary>Partition key and id of one aggregate document.</summary>
public readonly record struct AggregateKey(string ClientId, string Id, AggregateKind Kind, string Period, string? Model, string? Deployment)
{
    /// <summary>Stands in the id for an event no deployment served (rejected before routing).</summary>
    public const string NoDeployment = "-";

    /// <summary>The three documents one usage event adds to.</summary>
    public static AggregateKey[] For(UsageEvent usage)
    {
        var at = usage.Timestamp.UtcDateTime;
        var day = at.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var month = at.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var deployment = usage.Deployment.Length > 0 ? usage.Deployment : NoDeployment;
        return
        [
            new(usage.ClientId, $"{day}|{usage.Model}|{deployment}", AggregateKind.Usage, day, usage.Model, deployment),
            new(usage.ClientId, $"spend|{day}", AggregateKind.DailySpend, day, null, null),
            new(usage.ClientId, $"spend|{month}", AggregateKind.MonthlySpend, month, null, null),
        ];
    }

    /// <summary>The document id of a client's spend in a UTC month.</summary>
    public static string MonthlySpendId(DateTimeOffset at) =>
        "spend|" + at.UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture);
}
