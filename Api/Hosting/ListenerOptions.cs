using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Hosting;

/// <summary>
/// How the gateway's listening socket takes connections (section <c>Gateway</c>: <c>Gateway:ListenBacklog</c>,
/// <c>Gateway:MaxConnections</c>).
/// </summary>
public sealed class ListenerOptions
{
    /// <summary>
    /// Connections the kernel may hold accepted-but-not-yet-taken by Kestrel. Kestrel's own default (512) overflowed under a
    /// ramp of 5,000 streams and clients waited on SYN retries (1 s, then 3 s); 4096 absorbs such a burst. The kernel caps
    /// it at <c>net.core.somaxconn</c> (<c>/proc/sys/net/core/somaxconn</c>; 4096 by default since Linux 5.4).
    /// </summary>
    public int ListenBacklog { get; set; } = 4096;

    /// <summary>
    /// Client connections this replica holds at once; Kestrel closes the ones above it as they arrive. Unset: sized from
    /// the process's open-file limit (<see cref="ConnectionCap"/>), so that the gateway never runs out of descriptors
    /// itself: .NET needs one to start a thread, and a process that cannot aborts ("Out of memory."). 0: no cap.
    /// </summary>
    public int? MaxConnections { get; set; }
}
