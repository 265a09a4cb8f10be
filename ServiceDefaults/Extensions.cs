using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Configuration;
using AspireAoai.ServiceDefaults.Health;
using AspireAoai.ServiceDefaults.Identity;
using AspireAoai.ServiceDefaults.Tracing;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry.Context.Propagation;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Azure.Monitor.OpenTelemetry.AspNetCore;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The defaults every AspireAoai service shares: OpenTelemetry, health checks, service discovery and
/// resilient <see cref="System.Net.Http.HttpClient"/>s. Written for this project in the shape of the
/// Aspire service-defaults template.
/// </summary>
public static class ServiceDefaultsExtensions
{
    /// <summary>Path of the readiness endpoint: every registered health check must pass.</summary>
    public const string HealthEndpointPath = "/health";

    /// <summary>Path of the liveness endpoint: only checks tagged <c>live</c>.</summary>
    public const string AlivenessEndpointPath = "/alive";

    /// <summary>
    /// Names of <see cref="System.Diagnostics.ActivitySource"/>s and <see cref="System.Diagnostics.Metrics.Meter"/>s
    /// that services add to the telemetry pipeline. Everything the gateway emits starts with this prefix.
    /// </summary>
    public const string TelemetryPrefix = "AspireAoai.";

    /// <summary>
    /// Configuration key: true to continue the trace of an incoming <c>traceparent</c> (callers inside a trusted
    /// network); false (default) starts a new root trace per request and ignores incoming baggage.
    /// </summary>
    public const string TrustIncomingTraceContextKey = "Telemetry:TrustIncomingTraceContext";

    /// <summary>Adds OpenTelemetry, health checks, service discovery and the standard HTTP resilience handler.</summary>
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.ConfigureOpenTelemetry();
        builder.AddDefaultHealthChecks();

        builder.Services.AddServiceDiscovery();
        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            // Ordinary clients get retries, a circuit breaker and the 10 s / 30 s timeouts. The clients
            // that call Azure OpenAI opt out (see UpstreamHttpClientExtensions): completions take minutes.
            http.AddStandardResilienceHandler();
            http.AddServiceDiscovery();
        });

        return builder;
    }

    /// <summary>Logs, metrics and traces through OpenTelemetry, exported where the environment says.</summary>
    public static TBuilder ConfigureOpenTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        // The host extracts the incoming trace context with this propagator (HTTP clients inject with it): W3C
        // traceparent only, from callers only when Telemetry:TrustIncomingTraceContext says they are trusted, and
        // never baggage.
        builder.Services.Replace(ServiceDescriptor.Singleton<DistributedContextPropagator>(
            new TraceParentPropagator(builder.Configuration.GetValue(TrustIncomingTraceContextKey, false))));
        // OpenTelemetry's ASP.NET Core and HttpClient instrumentation extract and inject again with their own default
        // propagator unless it is the plain trace-context one; the default also carries baggage both ways.
        Sdk.SetDefaultTextMapPropagator(new TraceContextPropagator());

        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddRuntimeInstrumentation()
                .AddMeter(TelemetryPrefix + "*"))
            .WithTracing(tracing => tracing
                .AddSource(builder.Environment.ApplicationName)
                .AddSource(TelemetryPrefix + "*")
                .AddAspNetCoreInstrumentation(aspnet =>
                    // Health probes would drown the traces a person is looking for.
                    aspnet.Filter = context =>
                        !context.Request.Path.StartsWithSegments(HealthEndpointPath) &&
                        !context.Request.Path.StartsWithSegments(AlivenessEndpointPath))
                .AddHttpClientInstrumentation());

        builder.AddOpenTelemetryExporters();
        return builder;
    }

    private static TBuilder AddOpenTelemetryExporters<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        if (!string.IsNullOrWhiteSpace(builder.Configuration["APPLICATIONINSIGHTS_CONNECTION_STRING"]))
        {
            // Local auth is disabled on the deployed Application Insights (infra/): telemetry is accepted only with an
            // Entra token of the workload identity (AZURE_CLIENT_ID names the user-assigned one).
            builder.Services.AddOpenTelemetry().UseAzureMonitor(options => options.Credential = WorkloadCredential.Create());
        }

        return builder;
    }

    /// <summary>
    /// Adds a liveness check tagged <c>live</c> that touches no dependency (a Redis or Cosmos DB outage must not get
    /// replicas restarted); services add their own readiness checks. The full report behind <c>/health</c> is reused for
    /// <c>HealthChecks:CacheDuration</c> (default 5 s, see <see cref="CachedHealthCheckService"/>).
    /// </summary>
    public static TBuilder AddDefaultHealthChecks<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), ["live"]);

        var maxAge = builder.Configuration.GetValue("HealthChecks:CacheDuration", CachedHealthCheckService.DefaultMaxAge);
        if (maxAge > TimeSpan.Zero)
        {
            var services = builder.Services;
            for (var i = services.Count - 1; i >= 0; i--)
            {
                if (services[i].ServiceType == typeof(HealthCheckService) && services[i].ImplementationType is { } type)
                {
                    services.RemoveAt(i);
                    services.AddSingleton<HealthCheckService>(sp => new CachedHealthCheckService(
                        (HealthCheckService)ActivatorUtilities.CreateInstance(sp, type), sp.GetService<TimeProvider>() ?? TimeProvider.System, maxAge));
                    break;
                }
            }
        }

        return builder;
    }

    /// <summary>
    /// Maps <c>/health</c> (all checks) and <c>/alive</c> (liveness only). Unlike the template these are
    /// mapped in every environment: Container Apps probes them in production. They reveal only status words.
    /// </summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthEndpointPath);
        app.MapHealthChecks(AlivenessEndpointPath, new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("live"),
        });
        return app;
    }
}
