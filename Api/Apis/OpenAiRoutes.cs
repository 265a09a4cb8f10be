using AspireAoai.Api.Parsing;

namespace AspireAoai.Api.Apis;

/// <summary>
/// The completion, embeddings and Responses-create routes, and a shortcut that matches them before endpoint routing. Every proxied request
/// takes one of these six; for them, routing's matcher cost about a microsecond and a route-value dictionary with the
/// deployment name each time. The shortcut sets the same <see cref="RouteEndpoint"/> routing would (so the server span,
/// its <c>http.route</c> and the request metrics read the same), then runs it. Anything it does not recognise exactly
/// (another method, a trailing slash, an empty deployment) goes through routing as before, to the same endpoints.
/// </summary>
public static class OpenAiRoutes
{
    private const string DeploymentsPrefix = "/openai/deployments/";

    /// <summary>The routes, in the order <see cref="Match"/> numbers them.</summary>
    internal static readonly (string Pattern, OperationKind Operation, ApiStyle Style)[] All =
    [
        ("/openai/deployments/{deployment}/chat/completions", OperationKind.ChatCompletions, ApiStyle.AzureDeployment),
        ("/openai/deployments/{deployment}/embeddings", OperationKind.Embeddings, ApiStyle.AzureDeployment),
        ("/openai/v1/chat/completions", OperationKind.ChatCompletions, ApiStyle.OpenAiV1),
        ("/v1/chat/completions", OperationKind.ChatCompletions, ApiStyle.OpenAiV1),
        ("/openai/v1/embeddings", OperationKind.Embeddings, ApiStyle.OpenAiV1),
        ("/v1/embeddings", OperationKind.Embeddings, ApiStyle.OpenAiV1),
        (ResponsesApi.AzureV1, OperationKind.Responses, ApiStyle.OpenAiV1),
        (ResponsesApi.V1, OperationKind.Responses, ApiStyle.OpenAiV1),
    ];

    /// <summary>Runs requests on the routes of <see cref="All"/> without endpoint routing; place before <c>UseRouting</c>.</summary>
    public static IApplicationBuilder UseOpenAiRouteShortcut(this WebApplication app)
    {
        var sources = ((IEndpointRouteBuilder)app).DataSources;
        RouteEndpoint[]? endpoints = null;
        return app.Use(next => context =>
        {
            if (!HttpMethods.IsPost(context.Request.Method) || Match(context.Request.Path.Value) is not { } route)
            {
                return next(context);
            }

            endpoints ??= Find(sources);
            var endpoint = endpoints[route];
            context.SetEndpoint(endpoint);
            return endpoint.RequestDelegate!(context);
        });
    }

    /// <summary>
    /// The index in <see cref="All"/> of the route <paramref name="path"/> takes, compared as routing compares literals
    /// (ignoring case), or null.
    /// </summary>
    internal static int? Match(string? path)
    {
        if (path is null)
        {
            return null;
        }

        if (path.StartsWith(DeploymentsPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var rest = path.AsSpan(DeploymentsPrefix.Length);
            var slash = rest.IndexOf('/');
            if (slash <= 0)
            {
                return null;
            }

            var operation = rest[slash..];
            return operation.Equals("/chat/completions", StringComparison.OrdinalIgnoreCase) ? 0
                : operation.Equals("/embeddings", StringComparison.OrdinalIgnoreCase) ? 1
                : null;
        }

        for (var i = 2; i < All.Length; i++)
        {
            if (path.Equals(All[i].Pattern, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return null;
    }

    /// <summary>The deployment name of an Azure-style path: the segment after <c>/openai/deployments/</c>.</summary>
    internal static ReadOnlySpan<char> Deployment(string? path)
    {
        if (path is null || !path.StartsWith(DeploymentsPrefix, StringComparison.OrdinalIgnoreCase))
        {
            return default;
        }

        var rest = path.AsSpan(DeploymentsPrefix.Length);
        var slash = rest.IndexOf('/');
        return slash < 0 ? rest : rest[..slash];
    }

    private static RouteEndpoint[] Find(ICollection<EndpointDataSource> sources)
    {
        var found = new RouteEndpoint[All.Length];
        foreach (var source in sources)
        {
            foreach (var endpoint in source.Endpoints)
            {
                if (endpoint is RouteEndpoint route && route.RequestDelegate is not null
                    && route.Metadata.GetMetadata<IHttpMethodMetadata>() is { } methods && methods.HttpMethods.Contains(HttpMethods.Post))
                {
                    var index = Array.FindIndex(All, r => r.Pattern == route.RoutePattern.RawText);
                    if (index >= 0)
                    {
                        found[index] = route;
                    }
                }
            }
        }

        var missing = Array.FindIndex(found, e => e is null);
        if (missing >= 0)
        {
            throw new InvalidOperationException($"The route '{All[missing].Pattern}' is not mapped: call MapOpenAiApi before the first request.");
        }

        return found;
    }
}
