using System.Net.Sockets;

namespace AspireAoai.Api.Tests.Infrastructure;

/// <summary>
/// What SocketsHttpHandler does without a ConnectCallback: a TCP connection to the request's endpoint. Tests that
/// inject connect faults through a ConnectCallback call it for the connects they leave alone.
/// </summary>
internal static class PlainConnect
{
    public static async ValueTask<Stream> OpenAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
