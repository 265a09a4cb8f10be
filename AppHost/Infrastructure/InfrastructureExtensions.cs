using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Aspire.Hosting.Redis;

namespace AspireAoai.AppHost.Infrastructure;

/// <summary>Adds Redis and Cosmos DB in the mode the machine supports, or as connection strings when publishing.</summary>
internal static class InfrastructureExtensions
{
    private const string RedisPackageHint =
        "redis-server was not found on PATH and no container runtime is running. Install it with " +
        "'sudo apt-get install -y redis-server' (Debian/Ubuntu) or 'brew install redis' (macOS), or start Docker/Podman.";

    private const string NodeHint =
        "node was not found on PATH and no container runtime is running. Install Node.js 20 or later " +
        "(https://nodejs.org or 'sudo apt-get install -y nodejs npm'), or start Docker/Podman.";

    /// <summary>
    /// Redis for rate limits, budgets and the usage stream. Publishing emits a connection-string parameter that the
    /// deployment fills with Azure Cache for Redis / Azure Managed Redis (see infra/).
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddAoaiRedis(
        this IDistributedApplicationBuilder builder, string name, InfrastructureMode mode)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            return builder.AddConnectionString(name);
        }

        if (mode == InfrastructureMode.Containers)
        {
            // A named volume with Aspire's Redis persistence (snapshots), so a restart keeps the usage stream and its
            // unapplied events as a database would (up to the last snapshot; local mode's append-only file loses less).
            IResourceBuilder<RedisResource> redis = builder.AddRedis(name).WithDataVolume();
            return redis.AsConnectionString();
        }

        if (InfrastructureModeDetector.FindOnPath("redis-server") is null)
        {
            throw new DistributedApplicationException(RedisPackageHint);
        }

        var dataDirectory = Directory.CreateDirectory(Path.Combine(LocalData.Directory(builder), "redis")).FullName;
        var resource = new LocalRedisResource(name, dataDirectory);
        var builderForRedis = builder.AddResource(resource)
            .WithEndpoint(scheme: "tcp", name: LocalRedisResource.EndpointName, isProxied: false)
            .WithArgs(context =>
            {
                context.Args.Add("--port");
                context.Args.Add(resource.Endpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add("--bind");
                context.Args.Add("127.0.0.1");
                // Like a database: the append-only file, flushed every second, so a restart keeps the usage stream,
                // its consumer group and the limits' state (losing at most the last second). No RDB snapshots.
                context.Args.Add("--dir");
                context.Args.Add(dataDirectory);
                context.Args.Add("--appendonly");
                context.Args.Add("yes");
                context.Args.Add("--appendfsync");
                context.Args.Add("everysec");
                context.Args.Add("--save");
                context.Args.Add("");
            });

        var healthCheckKey = $"{name}-ping";
        builder.Services.AddHealthChecks().Add(new(healthCheckKey,
            _ => new RedisPingHealthCheck(resource.Endpoint), failureStatus: null, tags: null));
        builderForRedis.WithHealthCheck(healthCheckKey);
        return builderForRedis.AsConnectionString();
    }

    /// <summary>
    /// Cosmos DB for the response cache and cost records: the Linux emulator in a container, or the Node server as a
    /// local process. Publishing emits a connection-string parameter (the account endpoint; identity does the rest).
    /// </summary>
    public static IResourceBuilder<IResourceWithConnectionString> AddAoaiCosmos(
        this IDistributedApplicationBuilder builder, string name, InfrastructureMode mode)
    {
        if (builder.ExecutionContext.IsPublishMode)
        {
            return builder.AddConnectionString(name);
        }

        var healthCheckKey = $"{name}-http";
        if (mode == InfrastructureMode.Containers)
        {
            var emulator = new CosmosEmulatorResource(name);
            var container = builder.AddResource(emulator)
                .WithImage(CosmosEmulator.Image, CosmosEmulator.Tag)
                .WithHttpEndpoint(targetPort: 8081, name: CosmosEmulatorResource.EndpointName)
                .WithHttpEndpoint(targetPort: 1234, name: "explorer")
                .WithEnvironment("PROTOCOL", "http")
                .WithEnvironment("ENABLE_EXPLORER", "true");
            builder.Services.AddHealthChecks().Add(new(healthCheckKey,
                _ => new HttpAnswersHealthCheck(emulator.Endpoint, "/"), failureStatus: null, tags: null));
            container.WithHealthCheck(healthCheckKey);
            return container.AsConnectionString();
        }

        if (InfrastructureModeDetector.FindOnPath("node") is null)
        {
            throw new DistributedApplicationException(NodeHint);
        }

        var serverDirectory = Path.Combine(builder.AppHostDirectory, "LocalInfra", "cosmos-server");
        var resource = new LocalCosmosResource(name, serverDirectory);
        var local = builder.AddResource(resource)
            .WithEndpoint(scheme: "http", name: LocalCosmosResource.EndpointName, isProxied: false)
            .WithArgs(context =>
            {
                context.Args.Add("launcher.mjs");
                context.Args.Add("--port");
                context.Args.Add(resource.Endpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add("--data-dir");
                context.Args.Add(Path.Combine(LocalData.Directory(builder), "cosmos"));
            });
        builder.Services.AddHealthChecks().Add(new(healthCheckKey,
            _ => new HttpAnswersHealthCheck(resource.Endpoint, "/"), failureStatus: null, tags: null));
        local.WithHealthCheck(healthCheckKey);
        return local.AsConnectionString();
    }

    /// <summary>Views a resource by its connection string, so callers handle every mode alike.</summary>
    private static IResourceBuilder<IResourceWithConnectionString> AsConnectionString<T>(this IResourceBuilder<T> builder)
        where T : IResourceWithConnectionString =>
        new ConnectionStringView<T>(builder);

    private sealed class ConnectionStringView<T>(IResourceBuilder<T> inner) : IResourceBuilder<IResourceWithConnectionString>
        where T : IResourceWithConnectionString
    {
        public IDistributedApplicationBuilder ApplicationBuilder => inner.ApplicationBuilder;

        public IResourceWithConnectionString Resource => inner.Resource;

        public IResourceBuilder<IResourceWithConnectionString> WithAnnotation<TAnnotation>(
            TAnnotation annotation, ResourceAnnotationMutationBehavior behavior = ResourceAnnotationMutationBehavior.Append)
            where TAnnotation : IResourceAnnotation
        {
            inner.WithAnnotation(annotation, behavior);
            return this;
        }
    }
}
