using System.Text.Json;
using AspireAoai.Api.Apis;
using AspireAoai.Api.Auth;
using AspireAoai.Api.Parsing;
using AspireAoai.Api.Responses;
using AspireAoai.Api.Routing;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AspireAoai.Api.Apis;

/// <summary>
/// The Responses API in its three path styles: OpenAI's <c>/v1/responses</c>, Azure's v1 <c>/openai/v1/responses</c>
/// (no api-version) and Azure's dated <c>/openai/responses?api-version=2025-03-01-preview</c> or later; and the model
/// routes the Responses clients call (<c>/openai/models</c>, <c>/v1/models/{id}</c>).
/// </summary>
public static class ResponsesApi
{
    /// <summary>The create's routes that take no api-version; <see cref="OpenAiRoutes"/> lists them with the other hot routes.</summary>
    internal const string V1 = "/v1/responses";
    internal const string AzureV1 = "/openai/v1/responses";
    private const string Dated = "/openai/responses";

    /// <summary>Registers the Responses API's services (section <c>Gateway:Responses</c>).</summary>
    public static IHostApplicationBuilder AddResponsesApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ResponsesOptions>()
            .BindConfiguration(ResponsesOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        if (string.IsNullOrEmpty(builder.Configuration.GetConnectionString("redis")))
        {
            builder.Services.TryAddSingleton<IResponseAffinityStore, MemoryResponseAffinityStore>();
        }
        else
        {
            builder.AddAoaiRedis();
            builder.Services.TryAddSingleton<IResponseAffinityStore, RedisResponseAffinityStore>();
        }

        builder.Services.TryAddSingleton<ResponseOwners>();
        builder.Services.TryAddSingleton<ResponsesFollowUpHandler>();
        return builder;
    }

    /// <summary>Maps the follow-up routes of every style, the dated create and the model routes.</summary>
    public static IEndpointRouteBuilder MapResponsesApi(this IEndpointRouteBuilder app, GatewayHandler handler)
    {
        app.MapPost(Dated, async context =>
        {
            if (await ResponsesApiVersion.CheckAsync(context).ConfigureAwait(false))
            {
                await handler.HandleAsync(context, OperationKind.Responses, ApiStyle.OpenAiV1).ConfigureAwait(false);
            }
        });

        var followUps = app.ServiceProvider.GetRequiredService<ResponsesFollowUpHandler>();
        foreach (var (prefix, dated) in new[] { (V1, false), (AzureV1, false), (Dated, true) })
        {
            app.MapGet(prefix + "/{id}", context => followUps.HandleAsync(context, FollowUpKind.Get, dated));
            app.MapDelete(prefix + "/{id}", context => followUps.HandleAsync(context, FollowUpKind.Delete, dated));
            app.MapPost(prefix + "/{id}/cancel", context => followUps.HandleAsync(context, FollowUpKind.Cancel, dated));
            app.MapGet(prefix + "/{id}/input_items", context => followUps.HandleAsync(context, FollowUpKind.InputItems, dated));
        }

        app.MapGet("/openai/models", context => OpenAiApi.WriteModelsAsync(context));
        RequestDelegate model = context => WriteModelAsync(context);
        app.MapGet("/v1/models/{id}", model);
        app.MapGet("/openai/v1/models/{id}", model);
        app.MapGet("/openai/models/{id}", model);
        return app;
    }

    /// <summary><c>GET /v1/models/{id}</c>: one model of the catalog this client may use, else 404.</summary>
    private static async Task WriteModelAsync(HttpContext context)
    {
        var services = context.RequestServices;
        var authenticated = await services.GetRequiredService<ClientAuthentication>().AuthenticateAsync(context).ConfigureAwait(false);
        if (authenticated.Client is not { } client)
        {
            await OpenAiErrors.WriteRefusalAsync(context, authenticated).ConfigureAwait(false);
            return;
        }

        var id = context.Request.RouteValues["id"] as string ?? "";
        string? found = null;
        foreach (var model in services.GetRequiredService<DeploymentCatalog>().Models)
        {
            if (string.Equals(model, id, StringComparison.OrdinalIgnoreCase) && client.MayUse(model, model))
            {
                found = model;
            }
        }

        if (found is null)
        {
            await OpenAiErrors.WriteAsync(context, StatusCodes.Status404NotFound,
                $"The model '{ResponseOwners.Truncate(id)}' does not exist or you do not have access to it.", OpenAiErrors.InvalidRequest,
                "model_not_found", "model").ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = "application/json";
        var writer = new Utf8JsonWriter(context.Response.BodyWriter);
        await using (writer.ConfigureAwait(false))
        {
            writer.WriteStartObject();
            writer.WriteString("id"u8, found);
            writer.WriteString("object"u8, "model");
            writer.WriteNumber("created"u8, 0);
            writer.WriteString("owned_by"u8, "aspireaoai");
            writer.WriteEndObject();
            await writer.FlushAsync().ConfigureAwait(false);
        }
    }
}
