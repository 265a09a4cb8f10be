using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Hosting;

public static class ListenerExtensions
{
    /// <summary>Binds <see cref="ListenerOptions"/> and applies them to Kestrel's socket transport.</summary>
    public static IHostApplicationBuilder AddListenerTuning(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ListenerOptions>().BindConfiguration("Gateway").ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ListenerOptions>, ListenerOptionsValidator>();
        builder.Services.AddOptions<SocketTransportOptions>().Configure<IOptions<ListenerOptions>>(
            static (transport, listener) => transport.Backlog = listener.Value.ListenBacklog);
        return builder;
    }
}
