using AspireAoai.Api.Budgets;
using AspireAoai.Api.Routing;
using AspireAoai.ServiceDefaults.Redis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace AspireAoai.Api.RateLimiting;

public static class RateLimitingExtensions
{
    /// <summary>
    /// Admission before routing. Until rate limits exist, every authenticated request is admitted. The admission before
    /// the body is read (<see cref="ClientGates"/>: concurrency cap, remembered refusals) is registered here, so it holds
    /// whether or not rate limiting is enabled.
    /// </summary>
    public static IHostApplicationBuilder AddRequestAdmission(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton<IRequestAdmission, AdmitAll>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<ClientGates>();
        return builder;
    }

    /// <summary>
    /// Rate limits shared by every replica through Redis (<c>Gateway:RateLimits</c>, the limits of
    /// <c>Gateway:Clients</c> and the capacity of <c>Gateway:Deployments</c>): replaces the admission and
    /// deployment-capacity seams (in any order with the other features: each request's charge is settled by
    /// <see cref="RequestCompletion"/>, through the lease admission put on the request). Budgets (<c>Gateway:Clients:{i}:Budget</c>) are checked in the same Redis call, so
    /// they are enforced only while rate limiting is enabled and Redis answers. Registers the Redis client (<see cref="AoaiRedisExtensions.AddAoaiRedis"/>) from
    /// <c>ConnectionStrings:{ConnectionName}</c> unless one is registered already.
    /// </summary>
    public static IHostApplicationBuilder AddRateLimiting(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.SectionName).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RateLimitOptions>, RateLimitOptionsValidator>();
        services.AddOptions<ClientRateLimitsOptions>().BindConfiguration("Gateway").ValidateOnStart();
        services.AddSingleton<IValidateOptions<ClientRateLimitsOptions>, ClientRateLimitsOptionsValidator>();

        var section = builder.Configuration.GetSection(RateLimitOptions.SectionName);
        if (!section.GetValue(nameof(RateLimitOptions.Enabled), true))
        {
            return builder;
        }

        // Without a connection string there is no shared store: every replica limits alone (the fail-open path).
        var connectionName = section.GetValue(nameof(RateLimitOptions.ConnectionName), "redis")!;
        if (!string.IsNullOrEmpty(builder.Configuration.GetConnectionString(connectionName)))
        {
            builder.AddAoaiRedis(connectionName);
        }

        services.TryAddSingleton(TimeProvider.System);
        services.AddClientBudgets();
        services.AddSingleton<LimitCatalog>();
        services.AddSingleton<TokenEstimator>();
        services.AddSingleton(sp => new RedisLimitConnection(
            sp.GetService<IConnectionMultiplexer>,
            sp.GetRequiredService<IOptions<RateLimitOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<RedisLimitConnection>>()));
        services.AddSingleton<ClientLimiter>();
        services.AddHostedService<AdjustmentFlusher>();
        services.Replace(ServiceDescriptor.Singleton<IRequestAdmission, RateLimitAdmission>());
        services.Replace(ServiceDescriptor.Singleton<IDeploymentCapacity, DeploymentCapacity>());
        return builder;
    }
}
