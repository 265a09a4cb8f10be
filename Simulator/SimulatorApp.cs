namespace AspireAoai.Simulator;

/// <summary>
/// Builds the simulator's web application. Program.cs runs it; test projects call <see cref="Build(string[], Action{WebApplicationBuilder}?)"/>
/// with <c>--urls=http://127.0.0.1:0</c> to host it in-process on a real Kestrel port.
/// </summary>
public static class SimulatorApp
{
    /// <summary>Builds the simulator from command-line args (which override appsettings and environment).</summary>
    public static WebApplication Build(string[] args) => Build(args, configure: null);

    /// <summary>Builds the simulator; <paramref name="configure"/> may replace services (e.g. a fake <see cref="TimeProvider"/>).</summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        // The simulator stands in for Azure OpenAI behind the gateway: its spans continue the gateway's trace (callers
        // of the gateway itself are not trusted, see ServiceDefaults). An explicit setting still wins.
        builder.Configuration[ServiceDefaultsExtensions.TrustIncomingTraceContextKey] ??= "true";
        builder.AddServiceDefaults();
        builder.Services.AddAzureOpenAiSimulator();
        builder.Services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets.SocketTransportOptions>()
            .Configure<Microsoft.Extensions.Options.IOptions<Configuration.SimulatorOptions>>(
                static (transport, simulator) => transport.Backlog = simulator.Value.ListenBacklog);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapAzureOpenAiSimulator();
        return app;
    }
}
