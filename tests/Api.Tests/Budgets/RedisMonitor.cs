using System.Net.Sockets;
using System.Text;

namespace AspireAoai.Api.Tests.Budgets;

/// <summary>
/// <c>MONITOR</c> on its own connection: every command the server runs, with who ran it, so a test can tell commands
/// sent by clients (<c>[0 127.0.0.1:port]</c>) from commands a Lua script ran (<c>[0 lua]</c>).
/// </summary>
internal sealed class RedisMonitor : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private readonly StreamReader _reader;
    private readonly List<MonitoredCommand> _commands = [];
    private readonly Task _pump;

    private RedisMonitor(TcpClient tcp, StreamReader reader)
    {
        _tcp = tcp;
        _reader = reader;
        _pump = Task.Run(PumpAsync);
    }

    public static async Task<RedisMonitor> StartAsync(int port)
    {
        var tcp = new TcpClient();
        await tcp.ConnectAsync("127.0.0.1", port);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes("MONITOR\r\n"));
        var reader = new StreamReader(stream, Encoding.UTF8);
        Assert.Equal("+OK", await reader.ReadLineAsync());
        return new RedisMonitor(tcp, reader);
    }

    /// <summary>What was seen so far.</summary>
    public IReadOnlyList<MonitoredCommand> Commands
    {
        get
        {
            lock (_commands) return [.. _commands];
        }
    }

    private async Task PumpAsync()
    {
        try
        {
            while (await _reader.ReadLineAsync() is { } line)
            {
                // +1700000000.123456 [0 lua] "GET" "key"
                var open = line.IndexOf('[', StringComparison.Ordinal);
                var close = line.IndexOf(']', open + 1);
                if (open < 0 || close < 0) continue;
                var source = line[(open + 1)..close];
                var args = line[(close + 1)..].Trim();
                var name = args.Split(' ', 2)[0].Trim('"').ToUpperInvariant();
                var rest = args.Length > name.Length + 2 ? args[(name.Length + 2)..].Trim() : "";
                lock (_commands) _commands.Add(new MonitoredCommand(source.EndsWith(" lua", StringComparison.Ordinal), name, rest));
            }
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or SocketException)
        {
            // the monitor was closed
        }
    }

    public async ValueTask DisposeAsync()
    {
        _tcp.Dispose();
        await _pump;
    }
}

/// <summary>One command the server ran: from a script or from a client connection.</summary>
internal sealed record MonitoredCommand(bool FromScript, string Name, string Arguments);
