using Microsoft.OpenApi;

namespace AspireAoai.Api.ApiDocs;

/// <summary>Path parameters (from the route's braces) and the known query parameters of an operation.</summary>
internal static class Parameters
{
    private static readonly Dictionary<string, string> QueryDescriptions = new(StringComparer.Ordinal)
    {
        ["from"] = "First UTC day, yyyy-MM-dd (inclusive). Default: the first day of this month.",
        ["to"] = "Last UTC day, yyyy-MM-dd (inclusive). Default: the last day of this month. At most 366 days after `from`.",
        ["client"] = "Only this client id.",
        ["api-version"] = "The Azure OpenAI API version, passed on to the upstream.",
    };

    public static void AddPathAndQuery(OpenApiOperation operation, string path, RouteDoc doc)
    {
        operation.Parameters ??= new List<IOpenApiParameter>();
        var start = path.IndexOf('{', StringComparison.Ordinal);
        while (start >= 0)
        {
            var end = path.IndexOf('}', start);
            if (end < 0)
            {
                break;
            }

            Add(operation, path[(start + 1)..end], ParameterLocation.Path, required: true,
                path.StartsWith("/openai/deployments/", StringComparison.OrdinalIgnoreCase) ? "The deployment name, as Azure OpenAI clients send it." : null);
            start = path.IndexOf('{', end);
        }

        if (path.StartsWith("/openai/deployments/", StringComparison.OrdinalIgnoreCase))
        {
            Add(operation, "api-version", ParameterLocation.Query, required: false, QueryDescriptions["api-version"]);
        }

        foreach (var name in doc.Query ?? [])
        {
            Add(operation, name, ParameterLocation.Query, required: false, QueryDescriptions.GetValueOrDefault(name));
        }
    }

    private static void Add(OpenApiOperation operation, string name, ParameterLocation location, bool required, string? description)
    {
        foreach (var existing in operation.Parameters!)
        {
            if (existing.Name == name && existing.In == location)
            {
                return;
            }
        }

        operation.Parameters!.Add(new OpenApiParameter
        {
            Name = name, In = location, Required = required, Description = description,
            Schema = new OpenApiSchema { Type = JsonSchemaType.String },
        });
    }
}
