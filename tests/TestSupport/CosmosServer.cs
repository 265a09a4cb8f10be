using System.Diagnostics;
using System.Text;
using Microsoft.Azure.Cosmos;

namespace AspireAoai.TestSupport;

/// <summary>
/// The Node Cosmos DB-compatible server (AppHost/LocalInfra/cosmos-server/launcher.mjs) on a free loopback port.
/// In memory (every start is empty) unless started with a data folder (<c>--data-dir</c>: then a restart loads what was
/// saved). It can be stopped and started again on the same port. The first start on a fresh checkout runs npm ci
/// (about 30 s).
/// </summary>
public sealed class CosmosServer : IAsyncDisposable
{
    /// <summary>The Cosmos DB emulator's published, well-known key. The local server accepts any key.</summary>
    public const string WellKnownKey = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==";

    private readonly string? _dataDirectory;
    private Process _process;
    private StringBuilder _output;

    private CosmosServer(int port, Process process, StringBuilder output, string? dataDirectory)
    {
        Port = port;
        _process = process;
        _output = output;
        _dataDirectory = dataDirectory;
    }

    /// <summary>True while the server process runs.</summary>
    public bool IsRunning => !_process.HasExited;

    public int Port { get; }

    public Uri Endpoint => new($"http://127.0.0.1:{Port}/");

    /// <summary>What the AppHost hands to services as <c>ConnectionStrings__cosmos</c>.</summary>
    public string ConnectionString => $"AccountEndpoint={Endpoint};AccountKey={WellKnownKey};";

    /// <summary>The launcher's folder in this checkout.</summary>
    public static string LauncherDirectory => Path.Combine(RepositoryRoot.Path, "AppHost", "LocalInfra", "cosmos-server");

    public static Task<CosmosServer> StartAsync() => StartAsync(null);

    /// <summary>Starts a server on a free port; with <paramref name="dataDirectory"/> it keeps its data there (the caller owns the folder).</summary>
    public static async Task<CosmosServer> StartAsync(string? dataDirectory)
    {
        // A free port can be taken by another process between picking and binding it; pick again then.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var port = FreePort.Next();
                var (process, output) = await LaunchAsync(port, dataDirectory).ConfigureAwait(false);
                return new CosmosServer(port, process, output, dataDirectory);
            }
            catch (InvalidOperationException ex) when (attempt < 3 && ex.Message.Contains("EADDRINUSE", StringComparison.Ordinal))
            {
            }
        }
    }

    /// <summary>Stops the server (SIGTERM: a server with a data folder saves it first); the port stays this server's.</summary>
    public async Task StopAsync()
    {
        ChildProcesses.Terminate(_process);
        if (!_process.WaitForExit(5_000)) ChildProcesses.KillQuietly(_process);
        await _process.WaitForExitAsync().ConfigureAwait(false);
        ChildProcesses.Untrack(_process);
    }

    /// <summary>Starts again on the same port, as a restart from the dashboard does: empty, or with its saved data when it has a data folder.</summary>
    public async Task StartAgainAsync()
    {
        if (!_process.HasExited) await StopAsync().ConfigureAwait(false);
        _process.Dispose();
        // The port was just released; another process could take it in between, so try a few times.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                (_process, _output) = await LaunchAsync(Port, _dataDirectory).ConfigureAwait(false);
                return;
            }
            catch (InvalidOperationException ex) when (attempt < 5 && ex.Message.Contains("EADDRINUSE", StringComparison.Ordinal))
            {
                await Task.Delay(200).ConfigureAwait(false);
            }
        }
    }

    private static async Task<(Process Process, StringBuilder Output)> LaunchAsync(int port, string? dataDirectory)
    {
        var psi = new ProcessStartInfo("node")
        {
            WorkingDirectory = LauncherDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("launcher.mjs");
        psi.ArgumentList.Add("--port");
        psi.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (dataDirectory is not null)
        {
            psi.ArgumentList.Add("--data-dir");
            psi.ArgumentList.Add(dataDirectory);
        }

        var output = new StringBuilder();
        var listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = Process.Start(psi) ?? throw new InvalidOperationException("node did not start.");
        ChildProcesses.Track(process);
        process.OutputDataReceived += (_, e) =>
        {
            lock (output) output.AppendLine(e.Data);
            if (e.Data?.Contains("listening on", StringComparison.Ordinal) == true) listening.TrySetResult();
        };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("the launcher exited"));
        process.EnableRaisingEvents = true;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            // Long enough for the first run's npm ci.
            await listening.Task.WaitAsync(TimeSpan.FromMinutes(5));
        }
        catch (Exception ex)
        {
            ChildProcesses.Terminate(process);
            if (!process.WaitForExit(5_000)) ChildProcesses.KillQuietly(process);
            ChildProcesses.Untrack(process);
            process.Dispose();
            string log;
            lock (output) log = output.ToString();
            throw new InvalidOperationException($"The Cosmos server did not start on port {port}: {ex.Message}\n{log}", ex);
        }

        return (process, output);
    }

    /// <summary>What the server printed so far.</summary>
    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>A client configured like the services' (gateway, limited to the endpoint).</summary>
    public CosmosClient CreateClient(CosmosSerializationOptions? serialization = null) =>
        new(Endpoint.ToString(), WellKnownKey, new CosmosClientOptions
        {
            ConnectionMode = ConnectionMode.Gateway,
            LimitToEndpoint = true,
            SerializerOptions = serialization,
        });

    public async ValueTask DisposeAsync()
    {
        ChildProcesses.Terminate(_process);
        if (!_process.WaitForExit(5_000)) ChildProcesses.KillQuietly(_process);
        await Task.CompletedTask;
        ChildProcesses.Untrack(_process);
        _process.Dispose();
    }
}

/// <summary>The checkout this test run belongs to.</summary>
public static class RepositoryRoot
{
    private static readonly Lazy<string> Root = new(() =>
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "AppHost", "LocalInfra", "cosmos-server", "launcher.mjs"))) return dir.FullName;
        }

        throw new InvalidOperationException($"No repository root above {AppContext.BaseDirectory}.");
    });

    public static string Path => Root.Value;
}
