using System.Diagnostics;
using System.Text;
using AspireAoai.TestSupport;

namespace AspireAoai.Api.Tests.Budgets;

/// <summary>
/// The real gateway (Api.dll from its build output) as a child process, configured by environment, so a test can SIGKILL
/// it with requests in flight: no shutdown code runs, nothing is settled.
/// </summary>
internal sealed class ApiProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ApiProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    public static async Task<ApiProcess> StartAsync(IReadOnlyDictionary<string, string> settings)
    {
        // tests/Api.Tests/bin/{Configuration}/net10.0/ -> Api/bin/{Configuration}/net10.0/Api.dll
        var tfmDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var dll = Path.Combine(RepositoryRoot.Path, "Api", "bin", tfmDir.Parent!.Name, tfmDir.Name, "Api.dll");
        var port = FreePort.Next();
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        psi.ArgumentList.Add(dll);
        psi.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        psi.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        psi.Environment.Remove("OTEL_EXPORTER_OTLP_ENDPOINT");
        foreach (var (key, value) in settings) psi.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;

        var process = Process.Start(psi) ?? throw new InvalidOperationException("dotnet did not start.");
        ChildProcesses.Track(process);
        var api = new ApiProcess(process, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => { lock (api._output) api._output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (api._output) api._output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await FreePort.WaitUntilListeningAsync(port, TimeSpan.FromSeconds(60), () => !process.HasExited);
        return api;
    }

    /// <summary>SIGKILL.</summary>
    public void KillHard()
    {
        ChildProcesses.KillQuietly(_process);
        ChildProcesses.Untrack(_process);
    }

    public void Dispose()
    {
        KillHard();
        _process.Dispose();
    }
}
