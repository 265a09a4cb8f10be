using AspireAoai.Simulator.Admission;
using AspireAoai.Simulator.Auth;
using AspireAoai.Simulator.Capacity;
using AspireAoai.Simulator.Chat;
using AspireAoai.Simulator.Configuration;
using AspireAoai.Simulator.Deployments;
using AspireAoai.Simulator.Embeddings;
using AspireAoai.Simulator.Faults;
using AspireAoai.Simulator.FixedAnswer;
using AspireAoai.Simulator.Http;
using AspireAoai.Simulator.Responses;
using AspireAoai.Simulator.Stats;
using AspireAoai.Simulator.Streaming;
using AspireAoai.Simulator.Tokens;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace AspireAoai.Simulator;

/// <summary>Registers the simulator's features.</summary>
public static class SimulatorServiceCollectionExtensions
{
    /// <summary>Options (validated at start), deployments, auth, capacity, faults, stats and the two handlers.</summary>
    public static IServiceCollection AddAzureOpenAiSimulator(this IServiceCollection services)
    {
        services.AddOptions<SimulatorOptions>()
            .BindConfiguration(SimulatorOptions.SectionName)
            .ValidateOnStart();
        services.AddSingleton<IPostConfigureOptions<SimulatorOptions>, SimulatorOptionsPostConfigure>();
        services.AddSingleton<IValidateOptions<SimulatorOptions>, SimulatorOptionsValidator>();

        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<DeploymentCatalog>();
        services.AddSingleton<IApiKeyAuthenticator, ApiKeyAuthenticator>();
        services.AddSingleton<ITokenizerProvider, TokenizerProvider>();
        services.AddSingleton<ICapacityLimiter, CapacityLimiter>();
        services.AddSingleton<IFaultStore, FaultStore>();
        services.AddSingleton<SimulatorStats>();
        services.AddSingleton(sp => Latency.From(sp.GetRequiredService<IOptions<SimulatorOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<RequestFront>();
        services.AddSingleton<RequestAdmission>();
        services.AddSingleton<FixedAnswerResponder>();
        services.AddSingleton<ChatHandler>();
        services.AddSingleton<EmbeddingsHandler>();
        services.AddResponsesApi();
        services.AddHostedService<TokenizerWarmup>();

        services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, SimulatorJsonContext.Default));
        return services;
    }

    /// <summary>
    /// The Azure OpenAI routes (versioned and v1), /sim, and a 404 in Azure's shape, with its JSON body, for every other
    /// path, as Azure answers (the resource root too). The body matters to the gateway's start-up warm-up: an answer with
    /// an empty body frees its connection as soon as its headers arrive, so a quick one could serve the warm-up's next
    /// request and leave it a connection short.
    /// </summary>
    public static IEndpointRouteBuilder MapAzureOpenAiSimulator(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/openai/deployments/{deployment}/chat/completions",
            (HttpContext context, string deployment, ChatHandler handler) => handler.HandleAsync(context, deployment));
        endpoints.MapPost("/openai/v1/chat/completions",
            (HttpContext context, ChatHandler handler) => handler.HandleAsync(context, null));
        endpoints.MapPost("/openai/deployments/{deployment}/embeddings",
            (HttpContext context, string deployment, EmbeddingsHandler handler) => handler.HandleAsync(context, deployment));
        endpoints.MapPost("/openai/v1/embeddings",
            (HttpContext context, EmbeddingsHandler handler) => handler.HandleAsync(context, null));
        endpoints.MapResponsesApi();
        endpoints.MapFallback(context =>
        {
            context.RequestServices.GetRequiredService<RequestFront>().StampHeaders(context);
            return AzureErrors.ResourceNotFound(context);
        });
        endpoints.MapSimulatorAdminApi();
        return endpoints;
    }
}
