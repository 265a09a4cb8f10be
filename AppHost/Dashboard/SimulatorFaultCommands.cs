using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace AspireAoai.AppHost.Dashboard;

/// <summary>
/// Dashboard commands on a simulator resource that switch its faults on and off through its own admin API
/// (<c>POST</c> / <c>DELETE /sim/faults</c>, docs/simulator.md), so a person can watch the gateway fail over in the
/// traces and metrics without a terminal. Only simulators get them: a real Azure OpenAI deployment has no fault API.
/// </summary>
internal static class SimulatorFaultCommands
{
    /// <summary>How long an injected fault lasts: long enough to watch, short enough to end by itself.</summary>
    internal const int FaultMs = 60_000;

    /// <summary>Command name, label, icon and the body of <c>POST /sim/faults</c>, one per fault.</summary>
    internal static readonly (string Name, string DisplayName, string Icon, string Description, string Body)[] Faults =
    [
        ("inject-429-storm", "Inject 429 storm", "TopSpeed",
            "Every request gets 429 with retry-after 5 s for 60 s: the gateway cools this region and fails over.",
            $$"""{"kind":"429","retryAfterMs":5000,"durationMs":{{FaultMs}}}"""),
        ("inject-503", "Inject 503s", "ErrorCircle",
            "Every request gets 503 for 60 s: the gateway retries on the next region.",
            $$"""{"kind":"503","durationMs":{{FaultMs}}}"""),
        ("inject-slow", "Slow answers", "Hourglass",
            "Every answer waits 3 s before its headers for 60 s: time to first byte grows, nothing fails.",
            $$"""{"kind":"slow","delayMs":3000,"durationMs":{{FaultMs}}}"""),
        ("inject-timeout", "Time out", "Clock",
            "Requests get no answer for 60 s: the gateway's attempt timeout fires and it fails over.",
            $$"""{"kind":"timeout","durationMs":{{FaultMs}}}"""),
        ("inject-content-filter", "Content filter", "ShieldError",
            "Prompts are refused with 400 content_filter for 60 s, as Azure's filter does: the client gets the 400.",
            $$"""{"kind":"prompt_filter","durationMs":{{FaultMs}}}"""),
    ];

    /// <summary>The name of the command that clears every fault rule.</summary>
    internal const string ClearCommand = "clear-faults";

    public static IResourceBuilder<ProjectResource> WithFaultCommands(this IResourceBuilder<ProjectResource> simulator)
    {
        foreach (var (name, displayName, icon, description, body) in Faults)
        {
            simulator.WithHttpCommand("/sim/faults", displayName, endpointName: "http", commandName: name, commandOptions: new HttpCommandOptions
            {
                Method = HttpMethod.Post,
                Description = description,
                IconName = icon,
                PrepareRequest = context =>
                {
                    context.Request.Content = JsonContent.Create(JsonNode.Parse(body));
                    return Task.CompletedTask;
                },
                GetCommandResult = ResultAsync,
            });
        }

        return simulator.WithHttpCommand("/sim/faults", "Clear faults", endpointName: "http", commandName: ClearCommand, commandOptions: new HttpCommandOptions
        {
            Method = HttpMethod.Delete,
            Description = "Switches every injected fault off at once.",
            IconName = "CheckmarkCircle",
            IsHighlighted = true,
            GetCommandResult = ResultAsync,
        });
    }

    private static async Task<ExecuteCommandResult> ResultAsync(HttpCommandResultContext context)
    {
        var body = await context.Response.Content.ReadAsStringAsync(context.CancellationToken).ConfigureAwait(false);
        return context.Response.IsSuccessStatusCode
            ? CommandResults.Success(body.Length == 0 ? "Done." : "Fault rule added.", body.Length == 0 ? "{}" : body, CommandResultFormat.Json)
            : CommandResults.Failure($"The simulator answered {(int)context.Response.StatusCode}: {body}");
    }
}
