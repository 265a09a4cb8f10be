using AspireAoai.Api.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Hosting;

public static class ListenerExtensions
{
    /// <summary>
    /// Binds <see cref="ListenerOptions"/> and applies them to Kestrel: its socket transport's backlog, and a
    /// <see cref="ConnectionGate"/> on every endpoint when the connections are capped.
    /// </summary>
    public static IHostApplicationBuilder AddListenerTuning(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ListenerOptions>().BindConfiguration("Gateway").ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ListenerOptions>, ListenerOptionsValidator>();
        builder.Services.AddOptions<SocketTransportOptions>().Configure<IOptions<ListenerOptions>>(
            static (transport, listener) => transport.Backlog = listener.Value.ListenBacklog);
        builder.Services.AddSingleton(static services => CreateGate(services));
        builder.Services.AddOptions<KestrelServerOptions>().Configure<IServiceProvider>(static (kestrel, services) =>
        {
            if (services.GetRequiredService<ConnectionGateHolder>().Gate is { } gate)
            {
                kestrel.ConfigureEndpointDefaults(endpoint => endpoint.Use(next => connection => gate.OnConnectionAsync(connection, next)));
            }
        });
        return builder;
    }

    private static ConnectionGateHolder CreateGate(IServiceProvider services)
    {
        var cap = services.GetRequiredService<IOptions<ListenerOptions>>().Value.MaxConnections switch
        {
            null => ConnectionCap.ForOpenFileLimit(ConnectionCap.ReadOpenFileLimit(),
                UpstreamProtocol.IsHttp2(services.GetRequiredService<IOptions<UpstreamOptions>>().Value.UpstreamHttpVersion)),
            0 => null,
            var configured => configured,
        };
        return new ConnectionGateHolder(cap is { } c
            ? new ConnectionGate(c, services.GetRequiredService<Telemetry.GatewayTelemetry>(), services.GetRequiredService<ILogger<ConnectionGate>>(),
                services.GetRequiredService<TimeProvider>())
            : null);
    }
}

/// <summary>The replica's <see cref="ConnectionGate"/>, or none when connections are not capped.</summary>
internal sealed record ConnectionGateHolder(ConnectionGate? Gate);
