using System.Diagnostics;
using System.Text.Json;

namespace AspireAoai.AppHost.Tests;

/// <summary>
/// The AppHost publishes the manifest azd deploys from, and it matches infra/: the two services, Redis and Cosmos
/// as connection strings the deployment fills with endpoints, and no simulator.
/// </summary>
public sealed class ManifestTests
{
    [Fact]
    public async Task Manifest_IsPublished_WithApiWorkerRedisCosmos_AndTheirReferences()
    {
        var output = Path.Combine(Path.GetTempPath(), "aoai-manifest-" + Guid.NewGuid().ToString("N"), "aspire-manifest.json");
        var appHost = Path.Combine(AppContext.BaseDirectory, "AppHost.dll");
        var start = new ProcessStartInfo("dotnet", [appHost, "--publisher", "manifest", "--output-path", output])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"manifest publishing failed:\n{await stdout}\n{await stderr}");

        using var manifest = JsonDocument.Parse(await File.ReadAllTextAsync(output));
        var resources = manifest.RootElement.GetProperty("resources");
        var names = resources.EnumerateObject().Select(r => r.Name).Order().ToArray();
        Assert.Equal(["api", "cosmos", "redis", "worker"], names);

        foreach (var infrastructure in new[] { "redis", "cosmos" })
        {
            var resource = resources.GetProperty(infrastructure);
            Assert.Equal("parameter.v0", resource.GetProperty("type").GetString());
            Assert.Equal($"{{{infrastructure}.value}}", resource.GetProperty("connectionString").GetString());
        }

        foreach (var service in new[] { "api", "worker" })
        {
            var resource = resources.GetProperty(service);
            Assert.Equal("project.v0", resource.GetProperty("type").GetString());
            var env = resource.GetProperty("env");
            Assert.Equal("{redis.connectionString}", env.GetProperty("ConnectionStrings__redis").GetString());
            Assert.Equal("{cosmos.connectionString}", env.GetProperty("ConnectionStrings__cosmos").GetString());
        }

        Assert.True(resources.GetProperty("api").GetProperty("bindings").GetProperty("http").GetProperty("external").GetBoolean());
        Assert.Equal("0", resources.GetProperty("api").GetProperty("env").GetProperty("DOTNET_TC_CallCountingDelayMs").GetString());
        Directory.Delete(Path.GetDirectoryName(output)!, recursive: true);
    }
}
