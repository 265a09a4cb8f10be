using System.Diagnostics;
using System.Text;
namespace AspireAoai.TestSupport;

/// <summary>
/// The real Worker (Worker.dll from its build output; the test project must reference Worker.csproj) as a child process,
/// configured by environment.
/// </summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private bool _disposed;

    private WorkerProcess(Process process) => _process = process;

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public static string WorkerDll
    {
        get
        {
            // tests/{Project}/bin/{Configuration}/net10.0/ -> Worker/bin/{Configuration}/net10.0/Worker.dll
            var tfmDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
            var configuration = tfmDir.Parent!.Name;
            var path = Path.Combine(RepositoryRoot.Path, "Worker", "bin", configuration, tfmDir.Name, "Worker.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("Build the Worker first (the test project references it).", path);
        }
    }

    public static WorkerProcess Start(IReadOnlyDictionary<string, string?> settings)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(WorkerDll)!,
        };
        psi.ArgumentList.Add(WorkerDll);
        psi.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        psi.Environment["DOTNET_ENVIRONMENT"] = "Development";
        psi.Environment["Logging__LogLevel__Default"] = "Information";
        psi.Environment["Logging__LogLevel__StackExchange.Redis"] = "Warning";
        psi.Environment["Logging__LogLevel__AspireAoai"] = "Debug";
        psi.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        psi.Environment.Remove("APPLICATIONINSIGHTS_CONNECTION_STRING");
        // The caller's settings win over the defaults above (a long run may want less logging).
        foreach (var (key, value) in settings) psi.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;

        var process = Process.Start(psi) ?? throw new InvalidOperationException("dotnet did not start.");
        ChildProcesses.Track(process);
        var worker = new WorkerProcess(process);
        process.OutputDataReceived += (_, e) => { lock (worker._output) worker._output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (worker._output) worker._output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>SIGKILL: no shutdown code runs, in-flight writes and the acknowledgement may or may not have happened.</summary>
    public void KillHard()
    {
        ChildProcesses.KillQuietly(_process);
        ChildProcesses.Untrack(_process);
    }

    /// <summary>SIGTERM and wait for a graceful exit.</summary>
    public bool Stop(TimeSpan timeout)
    {
        ChildProcesses.Terminate(_process);
        var exited = _process.WaitForExit(timeout);
        if (!exited) KillHard();
        ChildProcesses.Untrack(_process);
        return exited;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        KillHard();
        _process.Dispose();
    }
}
