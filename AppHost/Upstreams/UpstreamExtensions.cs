using AspireAoai.AppHost.Dashboard;
using Microsoft.Extensions.Configuration;

namespace AspireAoai.AppHost.Upstreams;

/// <summary>
/// Wires the Api to its upstream Azure OpenAI deployments: the configured real ones, or, when none are configured,
/// two simulator instances standing in for two regions so failover is visible from the first run.
/// </summary>
internal static class UpstreamExtensions
{
    /// <summary>The key both simulator instances require; it only ever guards a local simulator.</summary>
    internal const string SimulatorKey = "local-simulator-key";

    private static readonly string[] SimulatedModels = ["gpt-4o", "gpt-4o-mini", "text-embedding-3-large"];

    public static IResourceBuilder<ProjectResource> WithUpstreams(
        this IResourceBuilder<ProjectResource> api, IDistributedApplicationBuilder builder)
    {
        var configured = builder.Configuration.GetSection("Upstreams:Deployments").Get<List<UpstreamDeployment>>() ?? [];
        if (configured.Count > 0)
        {
            return api.WithEnvironment(context =>
            {
                for (var i = 0; i < configured.Count; i++)
                {
                    configured[i].WriteTo(context.EnvironmentVariables, i);
                }
            });
        }

        if (builder.ExecutionContext.IsPublishMode)
        {
            // Deployed, azd fills AppHost/infra/api.tmpl.yaml from the Bicep outputs in infra/, which passes the routing
            // table to the Api as --Gateway:Deployments:* arguments; no simulator is published.
            return api;
        }

        // A small provisioned-like primary that runs out of capacity quickly, and a larger pay-as-you-go secondary.
        var primary = builder.AddSimulator("aoai-eastus", "eastus", tpm: 5_000, rpm: 30);
        var secondary = builder.AddSimulator("aoai-westus", "westus", tpm: 200_000, rpm: 1_200);
        api.WaitFor(primary).WaitFor(secondary);

        return api.WithEnvironment(context =>
        {
            var index = 0;
            foreach (var (simulator, region, priority) in new[] { (primary, "eastus", 1), (secondary, "westus", 2) })
            {
                var endpoint = simulator.GetEndpoint("http");
                foreach (var model in SimulatedModels)
                {
                    new UpstreamDeployment
                    {
                        Name = $"{region}-{model}",
                        Deployment = model,
                        Model = model,
                        Region = region,
                        Priority = priority,
                        ApiKey = SimulatorKey,
                    }.WriteTo(context.EnvironmentVariables, index++, endpoint);
                }
            }
        });
    }

    private static IResourceBuilder<ProjectResource> AddSimulator(
        this IDistributedApplicationBuilder builder, string name, string region, int tpm, int rpm)
    {
        // Both instances come from one project: without its launch profile each gets its own port (the profile's
        // fixed port would make the two regions share one proxy, and one region would answer for both).
        var simulator = builder.AddProject<Projects.Simulator>(name, options => options.ExcludeLaunchProfile = true)
            .WithHttpEndpoint(name: "http")
            .WithEnvironment("Simulator__Region", region)
            .WithEnvironment("Simulator__ApiKey", SimulatorKey)
            .WithHttpHealthCheck("/health")
            .WithFaultCommands();
        for (var i = 0; i < SimulatedModels.Length; i++)
        {
            var prefix = $"Simulator__Deployments__{i}__";
            simulator
                .WithEnvironment(prefix + "Name", SimulatedModels[i])
                .WithEnvironment(prefix + "Tpm", tpm.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .WithEnvironment(prefix + "Rpm", rpm.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return simulator;
    }
}
