using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace AspireAoai.TestSupport;

/// <summary>
/// A real <c>redis-server</c> on a free loopback port, in memory only unless started with a data folder (then with the
/// append-only file, fsync every second, as the AppHost runs it). It can be stopped, restarted on the same port and
/// killed, to test what clients do when Redis goes away.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);
    private static string? _executable;
    private Process? _process;
    private readonly StringBuilder _output = new();

    private readonly string? _dataDirectory;

    private RedisServer(int port, string? dataDirectory = null)
    {
        Port = port;
        _dataDirectory = dataDirectory;
    }

    public int Port { get; }

    /// <summary>For StackExchange.Redis / Aspire: <c>127.0.0.1:PORT</c>.</summary>
    public string ConnectionString => $"127.0.0.1:{Port}";

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts a server on a free port, in memory only.</summary>
    public static Task<RedisServer> StartAsync() => StartAsync(null);

    /// <summary>
    /// Starts a server on a free port that keeps its data in <paramref name="dataDirectory"/> (created if missing) with
    /// <c>appendonly yes</c> and <c>appendfsync everysec</c>, so <see cref="RestartAsync"/> keeps what was written.
    /// The caller owns the folder (use a throw-away one).
    /// </summary>
    public static async Task<RedisServer> StartAsync(string? dataDirectory)
    {
        if (dataDirectory is not null) Directory.CreateDirectory(dataDirectory);

        // A free port can be taken by another process between picking and binding it; pick again then.
        for (var attempt = 1; ; attempt++)
        {
            var server = new RedisServer(FreePort.Next(), dataDirectory);
            try
            {
                await server.StartProcessAsync();
                return server;
            }
            catch (InvalidOperationException ex) when (attempt < 3 && ex.Message.Contains("Address already in use", StringComparison.Ordinal))
            {
            }
        }
    }

    /// <summary>Graceful stop (SIGTERM); the port stays reserved for <see cref="RestartAsync"/>.</summary>
    public async Task StopAsync()
    {
        if (_process is null) return;
        ChildProcesses.Terminate(_process);
        if (!_process.WaitForExit(10_000)) ChildProcesses.KillQuietly(_process);
        await _process.WaitForExitAsync();
        ChildProcesses.Untrack(_process);
        _process.Dispose();
        _process = null;
    }

    /// <summary>Abrupt stop (SIGKILL), as a crashed or partitioned server looks to clients.</summary>
    public void Kill()
    {
        if (_process is null) return;
        ChildProcesses.KillQuietly(_process);
        ChildProcesses.Untrack(_process);
        _process.Dispose();
        _process = null;
    }

    /// <summary>Starts again on the same port: empty in memory-only mode, with its data when started with a data folder.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await StartProcessAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        await Task.CompletedTask;
    }

    private async Task StartProcessAsync()
    {
        var exe = await FindOrInstallAsync();
        var psi = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] persistence = _dataDirectory is null
            ? ["--appendonly", "no"]
            : ["--dir", _dataDirectory, "--appendonly", "yes", "--appendfsync", "everysec"];
        foreach (var arg in new[]
                 {
                     "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
                     "--save", "", "--daemonize", "no", "--protected-mode", "yes",
                 }.Concat(persistence))
        {
            psi.ArgumentList.Add(arg);
        }

        var process = Process.Start(psi) ?? throw new InvalidOperationException("redis-server did not start.");
        process.OutputDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (_output) _output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        ChildProcesses.Track(process);
        _process = process;

        try
        {
            await WaitForPingAsync(TimeSpan.FromSeconds(20));
        }
        catch (Exception ex)
        {
            Kill();
            string log;
            lock (_output) log = _output.ToString();
            throw new InvalidOperationException($"redis-server on port {Port} did not answer PING: {ex.Message}\n{log}", ex);
        }
    }

    private async Task WaitForPingAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process is { HasExited: true }) throw new InvalidOperationException("redis-server exited.");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", Port);
                var stream = client.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray());
                var buffer = new byte[64];
                var n = await stream.ReadAsync(buffer);
                if (Encoding.ASCII.GetString(buffer, 0, n).StartsWith("+PONG", StringComparison.Ordinal)) return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow > deadline) throw new TimeoutException("no PONG in time");
            await Task.Delay(50);
        }
    }

    /// <summary>Finds redis-server; on Debian installs it once with apt-get when missing.</summary>
    private static async Task<string> FindOrInstallAsync()
    {
        if (_executable is not null) return _executable;
        await InstallLock.WaitAsync();
        try
        {
            if (_executable is not null) return _executable;
            var found = Find();
            if (found is null && File.Exists("/usr/bin/apt-get"))
            {
                await RunAsync("apt-get", "install -y -qq redis-server");
                found = Find();
                if (found is null)
                {
                    await RunAsync("apt-get", "update -qq");
                    await RunAsync("apt-get", "install -y -qq redis-server");
                    found = Find();
                }
            }

            return _executable = found ?? throw new InvalidOperationException(
                "redis-server is not installed and could not be installed. Install it (Debian: 'apt-get install -y redis-server') and run the tests again.");
        }
        finally
        {
            InstallLock.Release();
        }
    }

    private static string? Find()
    {
        var paths = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Append("/usr/bin").Append("/usr/local/bin").Append("/usr/sbin");
        return paths.Select(p => Path.Combine(p, "redis-server")).FirstOrDefault(File.Exists);
    }

    private static async Task RunAsync(string file, string args)
    {
        using var process = Process.Start(new ProcessStartInfo(file, args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException($"{file} did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        _ = await stdout;
        _ = await stderr;
    }
}
