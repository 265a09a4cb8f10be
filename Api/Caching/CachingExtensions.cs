using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Caching;

public static class CachingExtensions
{
    /// <summary>Name of the connection string the cache reads (<c>ConnectionStrings:cosmos</c>).</summary>
    public const string ConnectionName = "cosmos";

    /// <summary>
    /// The response cache: lookup before routing, store after a successful response (off the response path),
    /// SSE replay for streamed hits. Bound from <c>Gateway:Cache</c> and validated at start. With
    /// <c>Gateway:Cache:Enabled</c> false, or no <c>ConnectionStrings:cosmos</c>, nothing is ever served from it.
    /// </summary>
    public static IHostApplicationBuilder AddResponseCache(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<CacheOptions>().BindConfiguration(CacheOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CacheOptions>, CacheOptionsValidator>());

        var enabled = builder.Configuration.GetValue($"{CacheOptions.SectionName}:Enabled", true);
        var connected = !string.IsNullOrWhiteSpace(builder.Configuration.GetConnectionString(ConnectionName));
        services.AddHostedService(sp => new CacheStartupLog(sp.GetRequiredService<ILogger<CacheStartupLog>>(), enabled, connected));
        if (!enabled || !connected)
        {
            services.TryAddSingleton<IResponseCache, NoResponseCache>();
            return builder;
        }

        // The cache is optional for the gateway: Cosmos DB being down must not take replicas out of rotation.
        builder.AddAoaiCosmos(ConnectionName, optional: true);

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<CacheMetrics>();
        services.TryAddSingleton<CachePolicy>();
        services.TryAddSingleton<CosmosCacheStore>();
        services.TryAddSingleton<ICacheStore>(static sp => sp.GetRequiredService<IOptions<CacheOptions>>().Value.MemoryMaxBytes > 0
            ? ActivatorUtilities.CreateInstance<MemoryCacheLayer>(sp, sp.GetRequiredService<CosmosCacheStore>())
            : sp.GetRequiredService<CosmosCacheStore>());
        services.TryAddSingleton<MissCoalescer>();
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<CacheOptions>>().Value;
            return new CircuitBreaker(o.FailureThreshold, o.BreakDuration, sp.GetRequiredService<TimeProvider>());
        });
        services.TryAddSingleton<CacheWriteQueue>();
        services.AddHostedService<CacheWriter>();
        services.AddHostedService<CacheStoreProbe>();
        services.TryAddSingleton<IResponseCache, ResponseCache>();
        return builder;
    }

    private sealed class CacheStartupLog(ILogger<CacheStartupLog> logger, bool enabled, bool connected) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            if (!enabled)
            {
                CacheLog.Disabled(logger);
            }
            else if (!connected)
            {
                CacheLog.NoConnectionString(logger);
            }

            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
