using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;

namespace AspireAoai.Infra.Tests.Bicep;

/// <summary>The Bicep CLI from the Azure.Bicep.CommandLine.linux-x64 package, and the repository's infra folder.</summary>
internal static partial class BicepCli
{
    private const string PackageId = "azure.bicep.commandline.linux-x64";
    private const string PackageVersion = "0.49.2";

    public static string RepositoryRoot { get; } = Metadata("RepositoryRoot")
        ?? throw new InvalidOperationException("The test assembly does not know the repository root.");

    public static string InfraDirectory { get; } = Path.Combine(RepositoryRoot, "infra");

    public static string Executable { get; } = Locate();

    /// <summary>Runs bicep with the arguments in <paramref name="workingDirectory"/>; returns exit code and both outputs.</summary>
    public static BicepRun Run(string workingDirectory, params string[] arguments) =>
        Run(workingDirectory, new Dictionary<string, string?>(), arguments);

    /// <summary>As <see cref="Run(string, string[])"/> with environment variables set (a null value removes one).</summary>
    public static BicepRun Run(string workingDirectory, IReadOnlyDictionary<string, string?> environment, params string[] arguments)
    {
        var psi = new ProcessStartInfo(Executable)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) psi.ArgumentList.Add(argument);
        // No telemetry, no update checks: the CLI must not reach for the network.
        psi.Environment["BICEP_TELEMETRY_ENABLED"] = "false";
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment)
        {
            if (value is null) psi.Environment.Remove(name);
            else psi.Environment[name] = value;
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException("bicep did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish in 3 minutes.");
        }

        return new BicepRun(process.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Diagnostics ("file(line,col) : Warning code: message") printed by a run, errors and warnings alike.</summary>
    public static IReadOnlyList<string> Diagnostics(BicepRun run) =>
        (run.StandardError + "\n" + run.StandardOutput)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(line => DiagnosticLine().IsMatch(line))
            .Distinct()
            .ToArray();

    private static string Locate()
    {
        var candidates = new List<string>();
        if (Metadata("BicepPackageDirectory") is { Length: > 0 } packageDirectory)
        {
            candidates.Add(Path.Combine(packageDirectory, "tools", "bicep"));
        }

        var nugetRoot = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        candidates.Add(Path.Combine(nugetRoot, PackageId, PackageVersion, "tools", "bicep"));

        var found = candidates.FirstOrDefault(File.Exists) ?? throw new FileNotFoundException(
            $"The bicep binary was not found (looked at {string.Join(", ", candidates)}). Restore tests/Infra.Tests.");

        // NuGet may extract the binary without its execute bit. (The package is the linux-x64 build.)
        if (!OperatingSystem.IsWindows())
        {
            var mode = File.GetUnixFileMode(found);
            if ((mode & UnixFileMode.UserExecute) == 0) File.SetUnixFileMode(found, mode | UnixFileMode.UserExecute);
        }

        return found;
    }

    private static string? Metadata(string key) => typeof(BicepCli).Assembly
        .GetCustomAttributes<AssemblyMetadataAttribute>()
        .FirstOrDefault(a => a.Key == key)?.Value;

    [GeneratedRegex(@"\(\d+,\d+\) : (Warning|Error|Info) ")]
    private static partial Regex DiagnosticLine();
}

internal sealed record BicepRun(int ExitCode, string StandardOutput, string StandardError);
