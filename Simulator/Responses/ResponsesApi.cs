using Microsoft.Extensions.Options;

namespace AspireAoai.Simulator.Responses;

/// <summary>Registers and maps the Responses API, on the v1 route and Azure's dated route.</summary>
internal static class ResponsesApi
{
    private const string V1 = "/openai/v1/responses";
    private const string Dated = "/openai/responses";

    public static IServiceCollection AddResponsesApi(this IServiceCollection services)
    {
        services.AddOptions<ResponsesOptions>()
            .BindConfiguration(ResponsesOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<ResponseStore>();
        services.AddSingleton<ResponsesFront>();
        services.AddSingleton<ResponsesCreateHandler>();
        services.AddSingleton<StoredResponsesHandler>();
        return services;
    }

    public static IEndpointRouteBuilder MapResponsesApi(this IEndpointRouteBuilder endpoints)
    {
        Map(endpoints, V1, versioned: false);
        Map(endpoints, Dated, versioned: true);
        return endpoints;
    }

    private static void Map(IEndpointRouteBuilder endpoints, string prefix, bool versioned)
    {
        endpoints.MapPost(prefix,
            (HttpContext context, ResponsesCreateHandler handler) => handler.HandleAsync(context, versioned));
        endpoints.MapGet(prefix + "/{id}",
            (HttpContext context, string id, StoredResponsesHandler handler) => handler.GetAsync(context, id, versioned));
        endpoints.MapDelete(prefix + "/{id}",
            (HttpContext context, string id, StoredResponsesHandler handler) => handler.DeleteAsync(context, id, versioned));
        endpoints.MapPost(prefix + "/{id}/cancel",
            (HttpContext context, string id, StoredResponsesHandler handler) => handler.CancelAsync(context, id, versioned));
        endpoints.MapGet(prefix + "/{id}/input_items",
            (HttpContext context, string id, StoredResponsesHandler handler) => handler.InputItemsAsync(context, id, versioned));
    }
}
