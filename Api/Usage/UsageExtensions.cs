using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AspireAoai.Api.Usage;

public static class UsageExtensions
{
    /// <summary>
    /// One usage event per finished request, written to the Redis stream <c>aoai:usage</c> in pipelined batches off
    /// the request path (<see cref="UsageOptions"/>, section <c>Gateway:Usage</c>), with the running spend budgets read.
    /// Without a Redis connection string (or with <c>Gateway:Usage:Enabled=false</c>) records go nowhere. The records
    /// come from <see cref="RequestCompletion"/>, which also settles rate-limit charges: no order among the features.
    /// </summary>
    public static IHostApplicationBuilder AddUsageReporting(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<UsageOptions>()
            .BindConfiguration(UsageOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddPricing();
        builder.Services.TryAddSingleton<UsagePricer>();

        var enabled = builder.Configuration.GetValue($"{UsageOptions.SectionName}:{nameof(UsageOptions.Enabled)}", true);
        if (!enabled || string.IsNullOrEmpty(builder.Configuration.GetConnectionString("redis")))
        {
            builder.Services.TryAddSingleton<IUsageReporter, NoUsageReporter>();
            return builder;
        }

        builder.AddAoaiRedis();

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<RedisUsageReporter>();
        builder.Services.AddSingleton<IUsageReporter>(sp => sp.GetRequiredService<RedisUsageReporter>());
        builder.Services.AddHostedService<UsageStreamWriter>();
        return builder;
    }
}
