using System.Text.Json;
using System.Text.Json.Serialization;
using AspireAoai.Api.Auth;
using AspireAoai.Api.Routing;

namespace AspireAoai.Api.Apis;

/// <summary>Admin endpoints, guarded by the admin key; errors as ProblemDetails.</summary>
public static class AdminApi
{
    public static IEndpointRouteBuilder MapAdminApi(this IEndpointRouteBuilder app)
    {
        var admin = app.MapGroup("/admin").AddEndpointFilter(async (context, next) =>
        {
            var auth = context.HttpContext.RequestServices.GetRequiredService<IClientAuthenticator>();
            return auth.IsAdmin(context.HttpContext.Request)
                ? await next(context).ConfigureAwait(false)
                : TypedResults.Problem(title: "Admin key required", detail: "Send the admin key in 'api-key' or as a Bearer token.",
                    statusCode: StatusCodes.Status401Unauthorized);
        });

        admin.MapGet("/deployments", (DeploymentCatalog catalog, TimeProvider time) =>
        {
            var now = time.GetUtcNow();
            var list = new DeploymentSnapshot[catalog.Deployments.Count];
            for (var i = 0; i < list.Length; i++)
            {
                list[i] = catalog.Deployments[i].Snapshot(now);
            }

            return TypedResults.Ok(new DeploymentsResponse(now, list));
        });

        admin.MapPost("/deployments/{name}/reset", IResult (string name, DeploymentCatalog catalog, TimeProvider time) =>
        {
            foreach (var deployment in catalog.Deployments)
            {
                if (string.Equals(deployment.Name, name, StringComparison.OrdinalIgnoreCase))
                {
                    deployment.ResetCooldown();
                    return TypedResults.Ok(deployment.Snapshot(time.GetUtcNow()));
                }
            }

            return TypedResults.Problem(title: "Unknown deployment", detail: $"No deployment is named '{name}'.", statusCode: StatusCodes.Status404NotFound);
        });

        return app;
    }
}

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(DeploymentsResponse))]
[JsonSerializable(typeof(DeploymentSnapshot))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
