using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Configuration;

namespace AspireAoai.AppHost.Dashboard;

/// <summary>
/// The Api's dashboard entries: a command that shows <c>GET /admin/deployments</c> (which needs the admin key, so it
/// cannot be a plain link), and links to the usage page and, in Development, Scalar's view of the OpenAPI document.
/// </summary>
internal static class ApiCommands
{
    /// <summary>The command's name.</summary>
    internal const string DeploymentStates = "deployment-states";

    /// <summary>
    /// The admin key the command sends: <c>Api:AdminKey</c> in the AppHost's configuration (user secrets), by default the
    /// development admin key of Api/appsettings.Development.json, which every local run has.
    /// </summary>
    internal const string AdminKeySetting = "Api:AdminKey";

    internal const string DevelopmentAdminKey = "aoai-dev-admin-key";

    public static IResourceBuilder<ProjectResource> WithOperatorCommands(this IResourceBuilder<ProjectResource> api, IConfiguration configuration)
    {
        var adminKey = configuration[AdminKeySetting] is { Length: > 0 } configured ? configured : DevelopmentAdminKey;
        api.WithHttpCommand("/admin/deployments", "Deployment states", endpointName: "http", commandName: DeploymentStates, commandOptions: new HttpCommandOptions
        {
            Method = HttpMethod.Get,
            Description = "Each upstream deployment's state (healthy or cooling, until when, last failure), from GET /admin/deployments.",
            IconName = "DataBarVertical",
            IsHighlighted = true,
            PrepareRequest = context =>
            {
                context.Request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", adminKey);
                return Task.CompletedTask;
            },
            GetCommandResult = DeploymentStatesAsync,
        });

        return api.WithUrls(context =>
        {
            if (context.GetEndpoint("http") is not { } http)
            {
                return;
            }

            context.Urls.Add(new ResourceUrlAnnotation { Url = http.Url + "/usage", DisplayText = "Usage page" });

            // The AppHost runs the Api in Development, where Scalar is mapped.
            context.Urls.Add(new ResourceUrlAnnotation { Url = http.Url + "/scalar", DisplayText = "API reference (Scalar)" });
        });
    }

    private static async Task<ExecuteCommandResult> DeploymentStatesAsync(HttpCommandResultContext context)
    {
        var body = await context.Response.Content.ReadAsStringAsync(context.CancellationToken).ConfigureAwait(false);
        if (!context.Response.IsSuccessStatusCode)
        {
            return CommandResults.Failure($"GET /admin/deployments answered {(int)context.Response.StatusCode} (is {AdminKeySetting} the Api's admin key?)");
        }

        // The message a person reads first: how many deployments are cooling, and which.
        var cooling = new List<string>();
        var total = 0;
        using (var json = JsonDocument.Parse(body))
        {
            foreach (var deployment in json.RootElement.GetProperty("deployments").EnumerateArray())
            {
                total++;
                if (deployment.GetProperty("state").GetString() is { } state && !string.Equals(state, "healthy", StringComparison.OrdinalIgnoreCase))
                {
                    cooling.Add($"{deployment.GetProperty("name").GetString()} ({state})");
                }
            }
        }

        var message = cooling.Count == 0 ? $"All {total} deployments healthy." : $"{cooling.Count} of {total} not healthy: {string.Join(", ", cooling)}.";
        return CommandResults.Success(message, body, CommandResultFormat.Json, displayImmediately: true);
    }
}
