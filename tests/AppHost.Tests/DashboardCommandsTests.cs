using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Aspire.Hosting;
using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;

namespace AspireAoai.AppHost.Tests;

/// <summary>The dashboard's commands: fault switches on each simulator, deployment states on the Api.</summary>
public sealed class DashboardCommandsModelTests
{
    private static readonly string[] FaultCommands =
        ["inject-429-storm", "inject-503", "inject-slow", "inject-timeout", "inject-content-filter", "clear-faults"];

    [Fact]
    public async Task EachSimulator_HasTheFaultCommands_AndTheApiHasDeploymentStates_AndNothingElseHasThem()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(["--Infrastructure:Mode=local"]);

        var commands = builder.Resources.ToDictionary(r => r.Name, Commands);
        Assert.Equal(FaultCommands.Order(), commands["aoai-eastus"].Intersect(FaultCommands).Order());
        Assert.Equal(FaultCommands.Order(), commands["aoai-westus"].Intersect(FaultCommands).Order());
        Assert.Contains("deployment-states", commands["api"]);
        foreach (var (name, names) in commands)
        {
            if (!name.StartsWith("aoai-", StringComparison.Ordinal))
            {
                Assert.Empty(names.Intersect(FaultCommands));
            }
        }
    }

    [Fact]
    public async Task WithRealUpstreamsConfigured_NoResourceHasFaultCommands()
    {
        await using var builder = await DistributedApplicationTestingBuilder.CreateAsync<Projects.AppHost>(
        [
            "--Infrastructure:Mode=local",
            "--Upstreams:Deployments:0:Name=eastus-gpt-4o",
            "--Upstreams:Deployments:0:Endpoint=https://my-aoai-eastus.openai.azure.com/",
            "--Upstreams:Deployments:0:Deployment=gpt-4o",
            "--Upstreams:Deployments:0:Model=gpt-4o",
        ]);

        Assert.DoesNotContain(builder.Resources, r => r.Name.StartsWith("aoai-", StringComparison.Ordinal));
        Assert.All(builder.Resources, r => Assert.Empty(Commands(r).Intersect(FaultCommands)));
        Assert.Contains("deployment-states", Commands(builder.Resources.Single(r => r.Name == "api")));
    }

    private static string[] Commands(IResource resource)
        => resource.Annotations.OfType<ResourceCommandAnnotation>().Select(c => c.Name).ToArray();
}

/// <summary>The commands run against the whole system started by the AppHost: the simulator's faults really change.</summary>
public sealed class DashboardCommandsTests(AppHostFixture fixture) : IClassFixture<AppHostFixture>
{
    [Fact]
    public async Task Inject503_OnThePrimary_SwitchesItsFaultOn_TheApiFailsOver_DeploymentStatesShowsIt_AndClearFaultsEndsIt()
    {
        var commands = fixture.App.Services.GetRequiredService<ResourceCommandService>();
        using var sim = fixture.App.CreateHttpClient("aoai-eastus", "http");
        using var api = fixture.App.CreateHttpClient("api", "http");
        api.DefaultRequestHeaders.Add("api-key", "aoai-dev-key");
        Assert.Empty(await FaultKindsAsync(sim));

        var injected = await commands.ExecuteCommandAsync("aoai-eastus", "inject-503");
        Assert.True(injected.Success, injected.Message);
        Assert.Equal(["503"], await FaultKindsAsync(sim));

        // The gateway meets the 503 on the primary region and answers from the secondary.
        using var answer = await api.PostAsJsonAsync("v1/chat/completions",
            new { model = "gpt-4o", messages = new[] { new { role = "user", content = "failover through a dashboard command" } } });
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Equal("westus", answer.Headers.GetValues("x-ms-region").Single());
        Assert.Equal("westus-gpt-4o", answer.Headers.GetValues("x-aoai-deployment").Single());

        var states = await commands.ExecuteCommandAsync("api", "deployment-states");
        Assert.True(states.Success, states.Message);
        Assert.Contains("eastus-gpt-4o (cooling)", states.Message);
        using (var json = JsonDocument.Parse(states.Data!.Value))
        {
            Assert.Equal(6, json.RootElement.GetProperty("deployments").GetArrayLength());
        }

        var cleared = await commands.ExecuteCommandAsync("aoai-eastus", "clear-faults");
        Assert.True(cleared.Success, cleared.Message);
        Assert.Empty(await FaultKindsAsync(sim));
        Assert.Empty(await FaultKindsAsync(fixture.App.CreateHttpClient("aoai-westus", "http")));
    }

    private static async Task<string[]> FaultKindsAsync(HttpClient simulator)
    {
        using var json = JsonDocument.Parse(await simulator.GetStringAsync("sim/faults"));
        return json.RootElement.GetProperty("faults").EnumerateArray().Select(f => f.GetProperty("kind").GetString()!).ToArray();
    }
}
