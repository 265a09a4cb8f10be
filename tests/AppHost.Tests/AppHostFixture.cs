using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;

namespace AspireAoai.AppHost.Tests;

/// <summary>
/// Starts the whole AppHost once for the test class, in local-process infrastructure mode (redis-server and the Node
/// Cosmos server), and waits until every resource is healthy.
/// </summary>
public sealed class AppHostFixture : IAsyncLifetime
{
    private static readonly string[] Resources = ["redis", "cosmos", "aoai-eastus", "aoai-westus", "api", "worker"];

    private DistributedApplication? _app;

    /// <summary>A throw-away data folder: the tests never read or write the developer's <c>AppHost/.data</c>.</summary>
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "aoai-apphost-test-" + Guid.NewGuid().ToString("N")[..8]);

    public DistributedApplication App => _app ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
            ["--Infrastructure:Mode=local", $"--Infrastructure:DataDirectory={_dataDirectory}"]);
        _app = await builder.BuildAsync();

        using var startup = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await _app.StartAsync(startup.Token);
        foreach (var resource in Resources)
        {
            await _app.ResourceNotifications.WaitForResourceHealthyAsync(resource, startup.Token);
        }
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A server still shutting down may hold a file for a moment; the temp folder is cleaned eventually.
        }
    }
}
