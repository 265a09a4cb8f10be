using System.Net.Http.Json;
using System.Text.Json;

namespace AspireAoai.Api.Tests.Infrastructure;

/// <summary>Two in-process simulators (two regions) behind a gateway: primary priority 1, secondary priority 2.</summary>
public sealed class TwoRegions : IAsyncDisposable
{
    public const string Primary = "eastus-gpt-4o";
    public const string Secondary = "westus-gpt-4o";

    private TwoRegions(SimulatorHost east, SimulatorHost west, GatewayHost gateway)
    {
        East = east;
        West = west;
        Gateway = gateway;
    }

    public SimulatorHost East { get; }

    public SimulatorHost West { get; }

    public GatewayHost Gateway { get; }

    public static async Task<TwoRegions> StartAsync(IEnumerable<string>? routingArgs = null, Action<WebApplicationBuilder>? configure = null,
        bool samePriority = false)
    {
        var east = await SimulatorHost.StartAsync("eastus");
        var west = await SimulatorHost.StartAsync("westus");
        string[] defaults =
        [
            "--Gateway:Routing:DefaultCooldown=00:00:02",
            "--Gateway:Routing:AttemptTimeout=00:00:02",
            "--Gateway:Routing:StreamingAttemptTimeout=00:00:01",
            "--Gateway:Routing:MaxTotalTime=00:00:15",
        ];
        var gateway = await GatewayHost.StartAsync(
        [
            new DeploymentSpec(Primary, east.BaseAddress, Region: "eastus", Priority: 1),
            new DeploymentSpec(Secondary, west.BaseAddress, Region: "westus", Priority: samePriority ? 1 : 2),
            new DeploymentSpec("eastus-mini", east.BaseAddress, Deployment: "gpt-4o-mini", Model: "gpt-4o-mini", Region: "eastus"),
            new DeploymentSpec("eastus-embeddings", east.BaseAddress, Deployment: "text-embedding-3-large", Model: "text-embedding-3-large", Region: "eastus"),
        ], [.. defaults, .. routingArgs ?? []], configure);
        return new TwoRegions(east, west, gateway);
    }

    /// <summary>GET /admin/deployments, one deployment's entry.</summary>
    public async Task<JsonElement> DeploymentStateAsync(string name)
    {
        var doc = await Gateway.Admin.GetFromJsonAsync<JsonElement>("admin/deployments");
        foreach (var d in doc.GetProperty("deployments").EnumerateArray())
        {
            if (d.GetProperty("name").GetString() == name)
            {
                return d.Clone();
            }
        }

        throw new InvalidOperationException($"No deployment {name}");
    }

    /// <summary>Waits (bounded) until the gateway no longer cools <paramref name="name"/>.</summary>
    public async Task WaitUntilHealthyAsync(string name, TimeSpan max)
    {
        var deadline = DateTime.UtcNow + max;
        while (DateTime.UtcNow < deadline)
        {
            var state = await DeploymentStateAsync(name);
            if (state.GetProperty("state").GetString() == "healthy")
            {
                return;
            }

            await Task.Delay(Math.Clamp((int)state.GetProperty("cooldownRemainingMs").GetInt64(), 10, 200));
        }

        throw new TimeoutException($"{name} still cooling after {max}");
    }

    public async ValueTask DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await East.DisposeAsync();
        await West.DisposeAsync();
    }
}
