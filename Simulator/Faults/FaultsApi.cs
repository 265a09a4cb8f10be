using AspireAoai.Simulator.Capacity;
using AspireAoai.Simulator.Deployments;
using AspireAoai.Simulator.Stats;

namespace AspireAoai.Simulator.Faults;

/// <summary>
/// The simulator's own admin API: switch faults on and off at run time, read and reset the counters.
/// Admin errors are ProblemDetails; only the Azure OpenAI routes speak Azure's error shape.
/// </summary>
internal static partial class FaultsApi
{
    public static IEndpointRouteBuilder MapSimulatorAdminApi(this IEndpointRouteBuilder endpoints)
    {
        var sim = endpoints.MapGroup("/sim");
        sim.MapPost("/faults", AddFault);
        sim.MapGet("/faults", (IFaultStore store) => TypedResults.Ok(new FaultList(store.List())));
        sim.MapDelete("/faults", (IFaultStore store) =>
        {
            store.Clear();
            return TypedResults.NoContent();
        });
        sim.MapGet("/stats", (SimulatorStats stats) => TypedResults.Ok(stats.Snapshot()));
        sim.MapPost("/reset", (IFaultStore store, SimulatorStats stats, ICapacityLimiter capacity, ILoggerFactory loggers) =>
        {
            store.Clear();
            stats.Reset();
            capacity.Reset();
            LogReset(loggers.CreateLogger(typeof(FaultsApi)));
            return TypedResults.NoContent();
        });
        return endpoints;
    }

    private static IResult AddFault(FaultRequest request, IFaultStore store, DeploymentCatalog catalog, ILoggerFactory loggers)
    {
        var errors = new Dictionary<string, string[]>();
        if (!Fault.TryParseKind(request.Kind, out var kind))
        {
            errors["kind"] = [$"Unknown fault kind '{request.Kind}'. Use one of: {string.Join(", ", Fault.Names)}."];
        }

        if (request.Count is <= 0)
        {
            errors["count"] = ["count must be greater than 0 (leave it out for no limit)."];
        }

        if (request.DurationMs is <= 0)
        {
            errors["durationMs"] = ["durationMs must be greater than 0 (leave it out for no limit)."];
        }

        if (request.RetryAfterMs is < 0)
        {
            errors["retryAfterMs"] = ["retryAfterMs must be 0 or more."];
        }

        if (request.DelayMs is < 0)
        {
            errors["delayMs"] = ["delayMs must be 0 or more."];
        }

        if (!string.IsNullOrWhiteSpace(request.Deployment) && !catalog.TryGet(request.Deployment.Trim(), out _))
        {
            errors["deployment"] = [$"No deployment named '{request.Deployment}'."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var rule = store.Add(kind, request);
        LogFaultAdded(loggers.CreateLogger(typeof(FaultsApi)), rule.Id, rule.Kind, rule.Deployment ?? "*");
        return TypedResults.Created($"/sim/faults/{rule.Id}", rule);
    }

    /// <summary>The body of <c>GET /sim/faults</c>.</summary>
    public sealed record FaultList(IReadOnlyList<FaultRuleView> Faults);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Fault rule {Id} added: {Kind} on {Deployment}")]
    private static partial void LogFaultAdded(ILogger logger, int id, string kind, string deployment);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information, Message = "Simulator reset: faults, stats and capacity windows cleared")]
    private static partial void LogReset(ILogger logger);
}
