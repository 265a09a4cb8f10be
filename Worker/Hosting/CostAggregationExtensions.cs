using AspireAoai.Worker.Aggregation;
using AspireAoai.Worker.Hosting;
using AspireAoai.Worker.Telemetry;
using AspireAoai.Worker.Usage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

/// <summary>Registers the usage stream to cost aggregates pipeline.</summary>
public static class CostAggregationExtensions
{
    /// <summary>
    /// Adds the cost aggregator: <c>Worker:*</c> and <c>Pricing:*</c> options (validated at start), the consumer,
    /// the Cosmos aggregate store, metrics and the hosted loop. Needs an <see cref="IConnectionMultiplexer"/>
    /// and <c>AddAoaiCosmos()</c>.
    /// </summary>
    public static IHostApplicationBuilder AddCostAggregation(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WorkerOptions>()
            .BindConfiguration(WorkerOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddPricing();

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddMetrics();
        builder.Services.TryAddSingleton<DailySpend>();
        builder.Services.TryAddSingleton<WorkerMetrics>();
        builder.Services.TryAddSingleton<UsageStreamConsumer>();
        builder.Services.TryAddSingleton<IAggregateStore, AggregateStore>();
        builder.Services.TryAddSingleton<UsageBatchProcessor>();
        builder.Services.TryAddSingleton<AggregationHeartbeat>();
        builder.Services.AddHealthChecks().AddCheck<AggregationLoopHealthCheck>("cost-aggregator", tags: ["live"]);
        builder.Services.AddHostedService<CostAggregationService>();
        return builder;
    }
}
