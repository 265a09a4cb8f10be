using System.Text.RegularExpressions;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace AspireAoai.Api.ApiDocs;

/// <summary>
/// Completes the generated document: the API-key and bearer security schemes, the OpenAI error shape, and a description
/// of every route the app maps. The completion routes are <see cref="RequestDelegate"/>s (no parameter binding on the hot
/// path), which the generator only partly sees, so this walks the app's <see cref="EndpointDataSource"/> itself and adds
/// any route the generator left out: a route mapped later is in the document without anyone touching this file.
/// </summary>
internal sealed partial class GatewayDocumentTransformer(EndpointDataSource endpoints) : IOpenApiDocumentTransformer
{
    public const string ApiKeyScheme = "api-key";
    public const string BearerScheme = "bearer";

    private static readonly string[] AnyMethod = [HttpMethods.Get];

    public async Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "AspireAoai gateway",
            Version = "v1",
            Description = "An Azure OpenAI- and OpenAI-compatible gateway: the OpenAI routes it proxies (in every path style), its usage"
                + " API and its admin endpoints. Send a key in `api-key` or as `Authorization: Bearer`; errors on the OpenAI routes"
                + " and the usage API have the OpenAI shape `{\"error\":{\"message\",\"type\",\"code\",\"param\"}}`.",
        };
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.ApiKey, Name = "api-key", In = ParameterLocation.Header,
            Description = "A client key (or the admin key on the admin routes), as the Azure OpenAI SDKs send it.",
        };
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http, Scheme = "bearer",
            Description = "The same key as `Authorization: Bearer <key>`, as the OpenAI SDKs send it.",
        };
        document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        foreach (var (name, schema) in Schemas.All())
        {
            document.Components.Schemas[name] = schema;
        }

        document.Paths ??= new OpenApiPaths();
        foreach (var endpoint in endpoints.Endpoints)
        {
            if (endpoint is not RouteEndpoint route || Excluded(route))
            {
                continue;
            }

            // A route with no method metadata (the health checks) answers any method; GET is the one to call.
            var pattern = PathOf(route);
            foreach (var method in route.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? AnyMethod)
            {
                var doc = RouteDocs.ByPattern.TryGetValue(pattern, out var known) ? known : RouteDocs.Default(method, pattern);
                await DescribeAsync(document, context, pattern, new HttpMethod(method), doc, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>The document's path for a route: the pattern with constraints and defaults removed (<c>{id:int}</c> is <c>{id}</c>).</summary>
    public static string PathOf(RouteEndpoint route)
        => "/" + Constraint().Replace(route.RoutePattern.RawText ?? "", "}").TrimStart('/');

    /// <summary>Routes that are not API operations: the document itself, Scalar, the usage page, the 404 fallback.</summary>
    public static bool Excluded(RouteEndpoint route)
        => route.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is { ExcludeFromDescription: true }
           || route.RoutePattern.RawText?.Contains("{*", StringComparison.Ordinal) == true;

    private static async Task DescribeAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, string path, HttpMethod method,
        RouteDoc doc, CancellationToken cancellationToken)
    {
        if (!document.Paths.TryGetValue(path, out var item))
        {
            item = new OpenApiPathItem();
            document.Paths[path] = item;
        }

        var pathItem = (OpenApiPathItem)item;
        pathItem.Operations ??= new Dictionary<HttpMethod, OpenApiOperation>();
        if (!pathItem.Operations.TryGetValue(method, out var operation))
        {
            operation = new OpenApiOperation();
            pathItem.Operations[method] = operation;
        }

        operation.Summary = doc.Summary;
        operation.Description = doc.Description;
        operation.Tags = new HashSet<OpenApiTagReference> { new(doc.Tag, document) };
        document.Tags ??= new HashSet<OpenApiTag>();
        if (!document.Tags.Any(t => t.Name == doc.Tag))
        {
            document.Tags.Add(new OpenApiTag { Name = doc.Tag });
        }

        operation.Security = doc.Caller == RouteCaller.Anyone ? null :
        [
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, document)] = [] },
            new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] },
        ];
        Parameters.AddPathAndQuery(operation, path, doc);

        if (doc.RequestSchema is { } request)
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = new OpenApiSchemaReference(request, document) } },
            };
        }

        operation.Responses ??= new OpenApiResponses();
        IOpenApiSchema? answer = doc.ResponseSchema is { } name ? new OpenApiSchemaReference(name, document)
            : doc.ResponseType is { } type ? await context.GetOrCreateSchemaAsync(type, cancellationToken: cancellationToken).ConfigureAwait(false)
            : null;
        if (answer is not null)
        {
            var content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = answer } };
            if (doc.RequestSchema == "ChatCompletionRequest")
            {
                content["text/event-stream"] = new() { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Server-sent events: `data: {chunk}` lines, then `data: [DONE]`." } };
            }

            operation.Responses["200"] = new OpenApiResponse { Description = "OK", Content = content };
        }
        else if (!operation.Responses.ContainsKey("200"))
        {
            operation.Responses["200"] = new OpenApiResponse { Description = "OK" };
        }

        if (doc.OpenAiErrors)
        {
            Errors.Add(operation, document, doc.Caller);
        }
        else if (doc.Caller == RouteCaller.Admin && !operation.Responses.ContainsKey("401"))
        {
            operation.Responses["401"] = new OpenApiResponse
            {
                Description = "The admin key is missing or wrong (ProblemDetails).",
                Content = new Dictionary<string, OpenApiMediaType> { ["application/problem+json"] = new() { Schema = new OpenApiSchemaReference("ProblemDetails", document) } },
            };
        }
    }

    [GeneratedRegex(@":[^}]*\}|=[^}]*\}|\?\}")]
    private static partial Regex Constraint();
}
