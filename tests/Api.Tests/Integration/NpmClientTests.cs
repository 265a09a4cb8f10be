using System.Diagnostics;
using System.Text.Json;
using AspireAoai.Api.Tests.Infrastructure;

namespace AspireAoai.Api.Tests.Integration;

/// <summary>
/// The official openai npm client (pinned in tests/Api.Tests/npm) works through the gateway unchanged, in
/// both its OpenAI and its AzureOpenAI form, streaming included, and gets what the simulator gives directly.
/// </summary>
public sealed class NpmClientTests : IAsyncLifetime
{
    private TwoRegions _regions = null!;

    public async Task InitializeAsync() => _regions = await TwoRegions.StartAsync();

    public async Task DisposeAsync() => await _regions.DisposeAsync();

    [Fact]
    public async Task OpenAiNpmClient_ThroughTheGateway_MatchesTheSimulator()
    {
        var gateway = await RunAsync("openai", new Uri(_regions.Gateway.BaseAddress, "v1").ToString(), GatewayHost.ClientKey);
        var direct = await RunAsync("openai", new Uri(_regions.East.BaseAddress, "openai/v1").ToString(), "sim-key");
        AssertSame(direct, gateway);
        Assert.Equal(401, gateway.GetProperty("unauthorized").GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task AzureOpenAiNpmClient_ThroughTheGateway_MatchesTheSimulator()
    {
        // With the trailing slash the client sends //openai/...; Azure accepts that and so does the gateway.
        var gateway = await RunAsync("azure", _regions.Gateway.BaseAddress.ToString(), GatewayHost.ClientKey);
        var direct = await RunAsync("azure", _regions.East.BaseAddress.ToString().TrimEnd('/'), "sim-key");
        AssertSame(direct, gateway);
        Assert.Equal(401, gateway.GetProperty("unauthorized").GetProperty("status").GetInt32());
    }

    private static void AssertSame(JsonElement direct, JsonElement gateway)
    {
        foreach (var name in new[] { "content", "finishReason", "usage", "streamed", "streamedFinish", "streamedUsage", "chunksAtLeastTwo", "embeddingCount", "embeddingDimensions", "embeddingFirst" })
        {
            Assert.Equal(direct.GetProperty(name).GetRawText(), gateway.GetProperty(name).GetRawText());
        }

        Assert.False(string.IsNullOrEmpty(gateway.GetProperty("streamed").GetString()));
        Assert.True(gateway.GetProperty("chunksAtLeastTwo").GetBoolean());
    }

    private static async Task<JsonElement> RunAsync(string kind, string baseUrl, string key)
    {
        var folder = NpmFolder();
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "openai")))
        {
            await RunProcessAsync("npm", ["ci", "--no-audit", "--no-fund"], folder, TimeSpan.FromMinutes(3));
        }

        var output = await RunProcessAsync("node", ["client.mjs", kind, baseUrl, key, "gpt-4o", "text-embedding-3-large"], folder, TimeSpan.FromSeconds(60));
        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
        return JsonDocument.Parse(line).RootElement.Clone();
    }

    internal static async Task<string> RunProcessAsync(string file, string[] args, string folder, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeout}");
        }

        Assert.True(process.ExitCode == 0, $"{file} exited {process.ExitCode}: {await stderr}");
        return await stdout;
    }

    /// <summary>tests/Api.Tests/npm in the source tree, found from the test assembly's folder.</summary>
    internal static string NpmFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "npm", "package.json");
            if (File.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "Api.Tests.csproj")))
            {
                return Path.Combine(dir.FullName, "npm");
            }
        }

        throw new DirectoryNotFoundException("tests/Api.Tests/npm not found above " + AppContext.BaseDirectory);
    }
}
