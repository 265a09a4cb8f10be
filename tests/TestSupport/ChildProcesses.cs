using System.Collections.Concurrent;
using System.Diagnostics;

namespace AspireAoai.TestSupport;

/// <summary>
/// Every server a test run starts, so they are killed when the test process exits, even when a test forgot
/// to dispose one.
/// </summary>
public static class ChildProcesses
{
    private static readonly ConcurrentDictionary<int, Process> Running = new();

    static ChildProcesses()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            foreach (var process in Running.Values) KillQuietly(process);
        };
    }

    public static void Track(Process process) => Running[process.Id] = process;

    public static void Untrack(Process process) => Running.TryRemove(process.Id, out _);

    /// <summary>SIGKILL the process (and its children) and wait for it to be gone.</summary>
    public static void KillQuietly(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // never started or already reaped
        }
    }

    /// <summary>Sends SIGTERM (a graceful stop) on Unix.</summary>
    public static void Terminate(Process process)
    {
        if (!process.HasExited) _ = Kill(process.Id, 15);
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
