using Microsoft.OpenApi;

namespace AspireAoai.Api.ApiDocs;

/// <summary>The error responses of the routes that answer in the OpenAI error shape.</summary>
internal static class Errors
{
    public static void Add(OpenApiOperation operation, OpenApiDocument document, RouteCaller caller)
    {
        Set(operation, document, "400", "Bad input: malformed JSON, a wrong type, an unknown model, a bad date range.");
        Set(operation, document, "401", caller == RouteCaller.Admin ? "The admin key is missing or wrong." : "The key is missing or unknown.");
        if (caller == RouteCaller.Client)
        {
            Set(operation, document, "403", "The key may not use this model.");
            Set(operation, document, "404", "No such model or deployment.");
            Set(operation, document, "429", "A rate limit, quota or budget is spent, or every deployment is cooling; `retry-after` and"
                + " `retry-after-ms` say when to retry.");
        }

        Set(operation, document, "503", "A store or every upstream is unavailable; `retry-after` says when to retry.");
    }

    private static void Set(OpenApiOperation operation, OpenApiDocument document, string status, string description)
    {
        operation.Responses![status] = new OpenApiResponse
        {
            Description = description,
            Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = new OpenApiSchemaReference("Error", document) } },
        };
    }
}
