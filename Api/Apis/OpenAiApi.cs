using System.Text.Json;
using AspireAoai.Api.Auth;
using AspireAoai.Api.Parsing;
using AspireAoai.Api.Responses;
using AspireAoai.Api.Routing;

namespace AspireAoai.Api.Apis;

/// <summary>The client-facing endpoints, in the Azure OpenAI and the OpenAI (v1) styles.</summary>
public static class OpenAiApi
{
    public static IEndpointRouteBuilder MapOpenAiApi(this IEndpointRouteBuilder app)
    {
        var handler = app.ServiceProvider.GetRequiredService<GatewayHandler>();

        // RequestDelegates, not Delegate handlers: no parameter binding machinery on the hot path. OpenAiRoutes runs
        // these endpoints without routing's matcher; routing still maps them for every other form of the path.
        foreach (var (pattern, operation, style) in OpenAiRoutes.All)
        {
            app.MapPost(pattern, context => handler.HandleAsync(context, operation, style));
        }

        RequestDelegate models = context => WriteModelsAsync(context);
        app.MapGet("/openai/v1/models", models);
        app.MapGet("/v1/models", models);
        app.MapResponsesApi(handler);

        // Anything else gets a 404 in the shape the SDKs parse, not an empty body.
        app.MapFallback(context => OpenAiErrors.WriteAsync(context, StatusCodes.Status404NotFound,
            "Resource not found.", OpenAiErrors.InvalidRequest, "404"));
        return app;
    }

    /// <summary><c>GET /v1/models</c>: the logical models this client may use, in the OpenAI list shape.</summary>
    internal static async Task WriteModelsAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var authenticated = await services.GetRequiredService<ClientAuthentication>().AuthenticateAsync(context).ConfigureAwait(false);
        if (authenticated.Client is not { } client)
        {
            await OpenAiErrors.WriteRefusalAsync(context, authenticated).ConfigureAwait(false);
            return;
        }

        var catalog = services.GetRequiredService<DeploymentCatalog>();
        context.Response.ContentType = "application/json";
        var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        await using (writer.ConfigureAwait(false))
        {
            writer.WriteStartObject();
            writer.WriteString("object"u8, "list");
            writer.WriteStartArray("data"u8);
            foreach (var model in catalog.Models)
            {
                if (!client.MayUse(model, model))
                {
                    continue;
                }

                writer.WriteStartObject();
                writer.WriteString("id"u8, model);
                writer.WriteString("object"u8, "model");
                writer.WriteNumber("created"u8, 0);
                writer.WriteString("owned_by"u8, "aspireaoai");
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
            await writer.FlushAsync().ConfigureAwait(false);
        }
    }
}
