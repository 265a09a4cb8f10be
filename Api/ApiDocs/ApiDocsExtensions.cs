using AspireAoai.Api.Auth;
using Scalar.AspNetCore;

namespace AspireAoai.Api.ApiDocs;

/// <summary>
/// The OpenAPI document of every endpoint the gateway serves, at <c>/openapi/v1.json</c>, and Scalar to read it at
/// <c>/scalar</c> in Development. Outside Development the document asks for the admin key (it lists the admin endpoints,
/// which an operator need not advertise) and Scalar is not mapped. Neither adds middleware: a proxied request never
/// meets them.
/// </summary>
public static class ApiDocsExtensions
{
    /// <summary>Registers the document generator and the transformer that describes the gateway's own routes.</summary>
    public static IHostApplicationBuilder AddGatewayApiDocs(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<GatewayDocumentTransformer>();
        builder.Services.AddOpenApi("v1", options => options.AddDocumentTransformer<GatewayDocumentTransformer>());
        return builder;
    }

    /// <summary>Maps the document, admin-only outside Development, and Scalar in Development.</summary>
    public static WebApplication MapGatewayApiDocs(this WebApplication app)
    {
        var document = app.MapOpenApi("/openapi/{documentName}.json");
        if (app.Environment.IsDevelopment())
        {
            app.MapScalarApiReference("/scalar", options => options.WithTitle("AspireAoai gateway").AddDocument("v1"));
            return app;
        }

        document.AddEndpointFilter(async (context, next) =>
        {
            var auth = context.HttpContext.RequestServices.GetRequiredService<IClientAuthenticator>();
            return auth.IsAdmin(context.HttpContext.Request)
                ? await next(context).ConfigureAwait(false)
                : TypedResults.Problem(title: "Admin key required",
                    detail: "Outside Development the OpenAPI document is for the admin key: send it in 'api-key' or as a Bearer token.",
                    statusCode: StatusCodes.Status401Unauthorized);
        });
        return app;
    }
}
