using Microsoft.Extensions.Configuration;
using System.Diagnostics;

namespace AspireAoai.AppHost.Infrastructure;

/// <summary>How Redis and Cosmos DB run on a developer's machine.</summary>
internal enum InfrastructureMode
{
    /// <summary>Containers: <c>AddRedis</c> and the Cosmos DB Linux emulator. Needs a healthy container runtime.</summary>
    Containers,

    /// <summary>Local processes: <c>redis-server</c> and the Node Cosmos DB-compatible server behind our launcher.</summary>
    Local,
}

/// <summary>
/// Decides the infrastructure mode before any resource is added: a container resource without a runtime never becomes
/// healthy, so everything that waits for it would hang. <c>Infrastructure:Mode</c> (auto, containers, local) overrides.
/// </summary>
internal static class InfrastructureModeDetector
{
    public const string ConfigurationKey = "Infrastructure:Mode";

    public static InfrastructureMode Detect(IConfiguration configuration)
    {
        var configured = configuration[ConfigurationKey];
        if (!string.IsNullOrWhiteSpace(configured) && !configured.Equals("auto", StringComparison.OrdinalIgnoreCase))
        {
            return Enum.TryParse<InfrastructureMode>(configured, ignoreCase: true, out var mode)
                ? mode
                : throw new InvalidOperationException(
                    $"{ConfigurationKey} is '{configured}'; use 'auto', 'containers' or 'local'.");
        }

        var runtime = configuration["ASPIRE_CONTAINER_RUNTIME"] ?? "docker";
        return ContainerRuntimeIsHealthy(runtime) ? InfrastructureMode.Containers : InfrastructureMode.Local;
    }

    /// <summary>
    /// Asks the runtime's client for its server version: the client alone (as on this project's CI machines) answers
    /// with an error, a running engine with a version.
    /// </summary>
    private static bool ContainerRuntimeIsHealthy(string runtime)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(runtime, ["info", "--format", "{{.ServerVersion}}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return false;
            }

            if (!process.WaitForExit(TimeSpan.FromSeconds(10)))
            {
                process.Kill(entireProcessTree: true);
                return false;
            }

            return process.ExitCode == 0 && process.StandardOutput.ReadToEnd().Trim().Length > 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // No client installed.
        }
    }

    /// <summary>Finds an executable on PATH, or null.</summary>
    public static string? FindOnPath(string name)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        foreach (var directory in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
