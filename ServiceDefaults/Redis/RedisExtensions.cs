using Azure.Core;
using Azure.Identity;
using AspireAoai.ServiceDefaults.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

/// <summary>The Redis connection every service shares.</summary>
public static class AoaiRedisExtensions
{
    /// <summary>Service key of the <see cref="TokenCredential"/> used for Redis; tests replace it.</summary>
    public const string CredentialServiceKey = "AspireAoai.Redis";

    /// <summary>
    /// Registers the <see cref="IConnectionMultiplexer"/> from <c>ConnectionStrings:{connectionName}</c> through
    /// Aspire.StackExchange.Redis (health check, traces), with timeouts for a gateway (<see cref="RedisOptions"/>),
    /// no abort when Redis is down at start, and, when <c>Redis:UseEntraId</c> is true, Entra ID authentication with a
    /// token of the workload identity (<see cref="AspireAoai.ServiceDefaults.Identity.WorkloadCredential"/>: the managed identity AZURE_CLIENT_ID names)
    /// refreshed before it expires. Safe to call from every feature that needs Redis: only the first call registers.
    /// </summary>
    public static IHostApplicationBuilder AddAoaiRedis(this IHostApplicationBuilder builder, string connectionName = "redis")
    {
        if (builder.Services.Any(d => d.ServiceType == typeof(IConnectionMultiplexer) && !d.IsKeyedService))
        {
            return builder;
        }

        builder.Services.AddOptions<RedisOptions>()
            .BindConfiguration(RedisOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // Timeouts come from configuration the options system has not bound yet; read the section directly. Values
        // out of range are reported by RedisOptions' validation at start.
        var redisSection = builder.Configuration.GetSection(RedisOptions.SectionName);
        var configured = new RedisOptions();
        redisSection.Bind(configured);

        builder.AddRedisClient(connectionName, configureOptions: options =>
        {
            options.ConnectTimeout = configured.ConnectTimeoutMs;
            options.SyncTimeout = configured.TimeoutMs;
            options.AsyncTimeout = configured.TimeoutMs;
            // Start while Redis is down and keep retrying; readiness reports the outage.
            options.AbortOnConnectFail = false;
        });

        if (configured.UseEntraId)
        {
            AddEntraId(builder.Services);
        }

        return builder;
    }

    private static void AddEntraId(IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddKeyedSingleton<TokenCredential>(CredentialServiceKey, (_, _) => AspireAoai.ServiceDefaults.Identity.WorkloadCredential.Create());
        services.TryAddSingleton(sp => new RedisEntraIdAuthenticator(
            sp.GetRequiredKeyedService<TokenCredential>(CredentialServiceKey),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<RedisOptions>>(),
            sp.GetRequiredService<ILogger<RedisEntraIdAuthenticator>>()));

        // Runs after Aspire's configuration of the same options (registration order), on the instance the multiplexer
        // is built from and keeps.
        services.AddOptions<ConfigurationOptions>()
            .Configure<RedisEntraIdAuthenticator>((options, authenticator) => authenticator.Attach(options));

        // Hand the multiplexer to the authenticator so refreshes re-authenticate its live connections.
        var index = LastIndexOfMultiplexer(services);
        var original = services[index];
        var create = original.ImplementationFactory
            ?? throw new InvalidOperationException("AddRedisClient registered IConnectionMultiplexer without a factory.");
        services[index] = ServiceDescriptor.Singleton<IConnectionMultiplexer>(sp =>
        {
            var multiplexer = (IConnectionMultiplexer)create(sp);
            sp.GetRequiredService<RedisEntraIdAuthenticator>().Bind(multiplexer);
            return multiplexer;
        });
    }

    private static int LastIndexOfMultiplexer(IServiceCollection services)
    {
        for (var i = services.Count - 1; i >= 0; i--)
        {
            if (services[i].ServiceType == typeof(IConnectionMultiplexer) && !services[i].IsKeyedService) return i;
        }

        throw new InvalidOperationException("AddRedisClient did not register IConnectionMultiplexer.");
    }
}
