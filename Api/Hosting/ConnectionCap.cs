namespace AspireAoai.Api.Hosting;

/// <summary>
/// The client connections a replica can hold without running out of file descriptors. A proxied request holds two (the
/// client's connection and the upstream one), and the runtime, the stores' clients and the thread pool need some of
/// their own: <see cref="Reserved"/> stay free for them.
/// </summary>
internal static class ConnectionCap
{
    /// <summary>
    /// Descriptors kept for everything but proxied requests: an idle gateway holds about 360 (loaded assemblies, the
    /// warm-up's upstream connections, Redis and Cosmos connections, epoll and event descriptors), and refusing connections
    /// above the cap takes up to <see cref="ConnectionGate.MaxRefusing"/> more for a moment.
    /// </summary>
    internal const int Reserved = 1024;

    /// <summary>
    /// The cap for an open-file limit: <c>(limit - 1024) / 2</c>; under a limit of 2,048 half the limit is kept instead
    /// (a hard limit of 1,024 still gives 256 connections, not none); with HTTP/2 to the upstream
    /// (<paramref name="multiplexedUpstream"/>: a hundred requests share a connection) the remainder is not halved. At
    /// least 1; null when the limit is unknown or unlimited.
    /// </summary>
    public static int? ForOpenFileLimit(long? limit, bool multiplexedUpstream = false)
    {
        if (limit is not { } l || l <= 0 || l >= int.MaxValue)
        {
            return null;
        }

        var reserved = Math.Min(Reserved, l / 2);
        return (int)Math.Max(1, (l - reserved) / (multiplexedUpstream ? 1 : 2));
    }

    /// <summary>This process's soft open-file limit (Linux: <c>/proc/self/limits</c>); null elsewhere or when unlimited.</summary>
    public static long? ReadOpenFileLimit(string path = "/proc/self/limits")
    {
        if (!OperatingSystem.IsLinux() || !File.Exists(path))
        {
            return null;
        }

        foreach (var line in File.ReadLines(path))
        {
            // "Max open files            20000                20000                files"
            if (line.StartsWith("Max open files", StringComparison.Ordinal))
            {
                var fields = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return fields.Length > 0 && long.TryParse(fields[0], out var soft) ? soft : null;
            }
        }

        return null;
    }
}
