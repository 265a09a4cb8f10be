using Microsoft.Extensions.Options;

namespace AspireAoai.Api.Hosting;

/// <summary>How the gateway's listening socket takes connections (section <c>Gateway</c>: <c>Gateway:ListenBacklog</c>).</summary>
public sealed class ListenerOptions
{
    /// <summary>
    /// Connections the kernel may hold accepted-but-not-yet-taken by Kestrel. Kestrel's own default (512) overflowed under a
    /// ramp of 5,000 streams and clients waited on SYN retries (1 s, then 3 s); 4096 absorbs such a burst. The kernel caps
    /// it at <c>net.core.somaxconn</c> (<c>/proc/sys/net/core/somaxconn</c>; 4096 by default since Linux 5.4).
    /// </summary>
    public int ListenBacklog { get; set; } = 4096;
}

internal sealed class ListenerOptionsValidator : IValidateOptions<ListenerOptions>
{
    public ValidateOptionsResult Validate(string? name, ListenerOptions options)
        => options.ListenBacklog is < 1 or > 65535
            ? ValidateOptionsResult.Fail("Gateway:ListenBacklog must be between 1 and 65535 (the kernel caps it at net.core.somaxconn).")
            : ValidateOptionsResult.Success;
}
