using System.Net.Security;
using System.Text.Json;
using Azure.Identity;
using AspireAoai.ServiceDefaults.Cosmos;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Trace;

namespace Microsoft.Extensions.Hosting;

/// <summary>The Cosmos DB client every service shares.</summary>
public static class CosmosExtensions
{
    /// <summary>The SDK's ActivitySource for operation spans.</summary>
    public const string CosmosActivitySource = "Azure.Cosmos.Operation";

    /// <summary>
    /// Serializer settings of every document the gateway stores: web defaults (camelCase names). Documents are
    /// plain records; decimal amounts are written as strings by their owners so no store rounds them.
    /// </summary>
    public static readonly JsonSerializerOptions DocumentJsonOptions = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Registers a singleton <see cref="CosmosClient"/> from <c>ConnectionStrings:{connectionName}</c>,
    /// <see cref="CosmosOptions"/>, <see cref="AoaiContainers"/>, the resource initializer, a readiness check
    /// tagged <c>ready</c> and the SDK's traces. Safe to call from every feature that needs Cosmos DB: only the first
    /// call registers.
    /// </summary>
    /// <param name="builder">The host.</param>
    /// <param name="connectionName">The connection string's name.</param>
    /// <param name="optional">True when the service works without Cosmos DB (the Api's cache and usage reports): the
    /// readiness check then reports Degraded instead of Unhealthy, so an outage does not take replicas out of rotation.</param>
    public static IHostApplicationBuilder AddAoaiCosmos(this IHostApplicationBuilder builder, string connectionName = "cosmos", bool optional = false)
    {
        if (builder.Services.Any(d => d.ServiceType == typeof(AoaiContainers)))
        {
            return builder;
        }

        builder.Services.AddOptions<CosmosOptions>()
            .BindConfiguration(CosmosOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton(_ =>
            CreateClient(CosmosConnectionString.Parse(builder.Configuration.GetConnectionString(connectionName), connectionName)));
        builder.Services.TryAddSingleton<CosmosResourceInitializer>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<CosmosResourceInitializer>());
        builder.Services.TryAddSingleton<AoaiContainers>();

        builder.Services.AddHealthChecks().AddCheck<CosmosHealthCheck>("cosmos",
            failureStatus: optional ? Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded : null, tags: ["ready"]);
        builder.Services.AddOpenTelemetry().WithTracing(t => t.AddSource(CosmosActivitySource));
        return builder;
    }

    /// <summary>Builds a client for either connection string shape; public so tests and tools connect the same way.</summary>
    public static CosmosClient CreateClient(CosmosConnectionString connection)
    {
        var options = new CosmosClientOptions
        {
            ApplicationName = "AspireAoai",
            UseSystemTextJsonSerializerWithOptions = DocumentJsonOptions,
            CosmosClientTelemetryOptions = new CosmosClientTelemetryOptions { DisableDistributedTracing = false },
        };

        if (connection.IsLocal || connection.Endpoint.Scheme == Uri.UriSchemeHttp)
        {
            // The emulator and the local server speak gateway only, and advertise https endpoints that do not
            // exist: stay on the endpoint we were given.
            options.ConnectionMode = ConnectionMode.Gateway;
            options.LimitToEndpoint = true;
        }

        if (connection.IsLocal)
        {
            // Their certificate is self-signed. Accepting it is scoped to loopback endpoints only.
            options.HttpClientFactory = () => new HttpClient(new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                SslOptions = new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true },
            });
        }

        return connection.AccountKey is { } key
            ? new CosmosClient(connection.Endpoint.ToString(), key, options)
            : new CosmosClient(connection.Endpoint.ToString(), AspireAoai.ServiceDefaults.Identity.WorkloadCredential.Create(), options);
    }
}
