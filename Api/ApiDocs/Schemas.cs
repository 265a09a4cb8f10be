using Microsoft.OpenApi;

namespace AspireAoai.Api.ApiDocs;

/// <summary>
/// The schemas of the OpenAI shapes the gateway relays. They name the fields the gateway reads or adds; the upstream's
/// other fields pass through unchanged, so every object allows more properties.
/// </summary>
internal static class Schemas
{
    public static IEnumerable<(string Name, IOpenApiSchema Schema)> All()
    {
        yield return ("Error", Object("An error in the OpenAI shape, as the SDKs parse it.", ["error"],
            ("error", Object(null, ["message", "type"],
                ("message", Text("What went wrong, for a person.")),
                ("type", Text("invalid_request_error, authentication_error, permission_error, not_found_error, rate_limit_error or server_error.")),
                ("code", Nullable("A machine-readable code, e.g. invalid_api_key, rate_limit_exceeded, budget_exceeded.")),
                ("param", Nullable("The request field at fault, when one is."))))));

        yield return ("ProblemDetails", Object("RFC 9457 problem details (the admin endpoints' errors).", [],
            ("type", Text(null)), ("title", Text(null)), ("status", Integer(null)), ("detail", Text(null))));

        yield return ("ChatMessage", Object(null, ["role"],
            ("role", Text("system, developer, user, assistant or tool.")),
            ("content", new OpenApiSchema { Description = "Text, or an array of content parts." })));

        yield return ("ChatCompletionRequest", Object("An OpenAI chat completion request; fields the gateway does not read go upstream unchanged.", ["messages"],
            ("model", Text("The logical model (OpenAI paths); on Azure paths the deployment in the path decides.")),
            ("messages", new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchemaReference("ChatMessage") }),
            ("stream", Bool("Answer as server-sent events.")),
            ("stream_options", Object(null, [], ("include_usage", Bool("Send a last chunk with the usage.")))),
            ("max_tokens", Integer("Upper bound of output tokens; also what the budget reserves.")),
            ("max_completion_tokens", Integer("Upper bound of output tokens (newer name).")),
            ("temperature", Number("0 makes the request cacheable.")),
            ("n", Integer(null)),
            ("seed", Integer(null))));

        yield return ("ChatCompletion", Object("An OpenAI chat.completion object, relayed from the upstream.", [],
            ("id", Text(null)), ("object", Text("chat.completion")), ("created", Integer(null)), ("model", Text(null)),
            ("choices", new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.Object } }),
            ("usage", new OpenApiSchemaReference("Usage"))));

        yield return ("Usage", Object(null, [], ("prompt_tokens", Integer(null)), ("completion_tokens", Integer(null)), ("total_tokens", Integer(null))));

        yield return ("EmbeddingsRequest", Object("An OpenAI embeddings request.", ["input"],
            ("model", Text("The logical model (OpenAI paths).")),
            ("input", new OpenApiSchema { Description = "A string, an array of strings, or token arrays." }),
            ("dimensions", Integer(null)),
            ("encoding_format", Text("float or base64."))));

        yield return ("EmbeddingsResponse", Object("An OpenAI embeddings list, relayed from the upstream.", [],
            ("object", Text("list")),
            ("data", new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.Object } }),
            ("model", Text(null)), ("usage", new OpenApiSchemaReference("Usage"))));

        yield return ("ModelList", Object("The OpenAI model list.", ["object", "data"],
            ("object", Text("list")),
            ("data", new OpenApiSchema
            {
                Type = JsonSchemaType.Array,
                Items = Object(null, ["id", "object"], ("id", Text("A logical model name.")), ("object", Text("model")),
                    ("created", Integer(null)), ("owned_by", Text(null))),
            })));
    }

    private static OpenApiSchema Object(string? description, string[] required, params (string Name, IOpenApiSchema Schema)[] properties)
    {
        var schema = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Description = description,
            Properties = new Dictionary<string, IOpenApiSchema>(),
            Required = new HashSet<string>(required),
        };
        foreach (var (name, property) in properties)
        {
            schema.Properties[name] = property;
        }

        return schema;
    }

    private static OpenApiSchema Text(string? description) => new() { Type = JsonSchemaType.String, Description = description };

    private static OpenApiSchema Nullable(string description) => new() { Type = JsonSchemaType.String | JsonSchemaType.Null, Description = description };

    private static OpenApiSchema Integer(string? description) => new() { Type = JsonSchemaType.Integer, Description = description };

    private static OpenApiSchema Number(string? description) => new() { Type = JsonSchemaType.Number, Description = description };

    private static OpenApiSchema Bool(string? description) => new() { Type = JsonSchemaType.Boolean, Description = description };
}
