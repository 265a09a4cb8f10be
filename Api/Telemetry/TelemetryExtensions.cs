using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AspireAoai.Api.Telemetry;

public static class TelemetryExtensions
{
    /// <summary>The gateway's ActivitySource and Meter (<c>AspireAoai.Gateway</c>), exported by ServiceDefaults.</summary>
    public static IHostApplicationBuilder AddGatewayTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<GatewayTelemetry>();
        return builder;
    }
}
