using AspireAoai.Api.ApiDocs;
using AspireAoai.Api.Apis;
using AspireAoai.Api.Auth;
using AspireAoai.Api.Caching;
using AspireAoai.Api.Configuration;
using AspireAoai.Api.Forwarding;
using AspireAoai.Api.Hosting;
using AspireAoai.Api.Parsing;
using AspireAoai.Api.RateLimiting;
using AspireAoai.Api.Routing;
using AspireAoai.Api.Telemetry;
using AspireAoai.Api.Usage;
using AspireAoai.Api.UsagePage;
using AspireAoai.Api.UsageReports;

// The hot-path micro-benchmarks (bench/micro) drive the internal steps directly.
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Api.Micro")]

namespace AspireAoai.Api;

/// <summary>
/// Builds the gateway. Program.cs runs it; tests and benchmarks host it in-process on a real Kestrel port
/// (pass <c>--urls=http://127.0.0.1:0</c> and configuration as <c>--Gateway:...=</c> arguments).
/// </summary>
public static class GatewayApp
{
    public static WebApplication Build(string[] args) => Build(args, configure: null);

    /// <param name="args">Command-line arguments, configuration included.</param>
    /// <param name="configure">Runs after the gateway's registrations, before the app is built: replace a
    /// service (a TimeProvider, a TokenCredential) here.</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);

        builder.AddServiceDefaults();
        builder.AddListenerTuning();
        builder.AddGatewayTelemetry();
        builder.AddGatewayAuth();
        builder.AddRequestParsing();
        builder.AddGatewayRouting();
        builder.AddUpstreamForwarding();
        builder.AddRequestAdmission();
        builder.AddResponseCache();
        builder.AddUsageReporting();
        builder.AddRateLimiting();
        builder.AddGatewayApis();
        builder.AddUsageApi();
        builder.AddSettingsCheck();
        builder.AddStartupWarmup();
        builder.AddGatewayApiDocs();
        configure?.Invoke(builder);

        var app = builder.Build();
        app.UseSlashNormalization();
        app.UseOpenAiRouteShortcut();
        app.UseRequestIds();
        app.UseRouting();
        app.MapDefaultEndpoints();
        app.MapAdminApi();
        app.MapUsageApi();
        app.MapGatewayApiDocs();
        app.MapUsagePage();
        app.MapOpenAiApi();
        return app;
    }
}
