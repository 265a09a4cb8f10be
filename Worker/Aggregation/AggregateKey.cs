using System.Globalization;
using AspireAoai.Accounting.Usage;

namespace AspireAoai.Worker.Aggregation;

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
}
