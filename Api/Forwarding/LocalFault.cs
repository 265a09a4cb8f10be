using System.Net.Sockets;

namespace AspireAoai.Api.Forwarding;

/// <summary>
/// Tells a failure of this gateway's own resources from one of the upstream's. Running out of descriptors
/// (<c>EMFILE</c>/<c>ENFILE</c>: "Too many open files"), of kernel buffers (<c>ENOBUFS</c>) or of local ports
/// (<c>EADDRNOTAVAIL</c> / <c>EADDRINUSE</c> on connect) says nothing about the deployment: cooling it for that would
/// take a healthy deployment from every client because this replica is overloaded (seen at 10,000 open streams: one
/// connect without a descriptor cooled the only gpt-4o deployment and 284 clients got 429). Connection refused or reset,
/// timeouts and statuses stay the upstream's.
/// </summary>
internal static class LocalFault
{
    // Linux errno values, for IOExceptions that carry the errno as their HResult (.NET's Unix interop does).
    private const int Enfile = 23;
    private const int Emfile = 24;

    /// <summary>The reason (a metric and span tag value) when <paramref name="exception"/> is the gateway's own fault; null otherwise.</summary>
    public static string? Reason(Exception exception)
    {
        // SocketsHttpHandler wraps a failed connect in an HttpRequestException (and sometimes an IOException): look inside.
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is SocketException socket)
            {
                return socket.SocketErrorCode switch
                {
                    SocketError.TooManyOpenSockets => "local_descriptors_exhausted",
                    SocketError.NoBufferSpaceAvailable => "local_buffers_exhausted",
                    SocketError.AddressNotAvailable or SocketError.AddressAlreadyInUse => "local_ports_exhausted",
                    _ => null,
                };
            }

            if (current is IOException { HResult: Emfile or Enfile })
            {
                return "local_descriptors_exhausted";
            }
        }

        return null;
    }
}
