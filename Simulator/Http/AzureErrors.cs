using System.Text.Json;

namespace AspireAoai.Simulator.Http;

/// <summary>
/// Error answers in Azure OpenAI's shape: <c>{"error":{"message","type","param","code"}}</c>, with the
/// messages Azure sends, so clients and the gateway see what they would see in production.
/// </summary>
internal static class AzureErrors
{
    public static Task ResourceNotFound(HttpContext context) =>
        WriteAsync(context, StatusCodes.Status404NotFound, "Resource not found", null, "404", null);

    public static Task MissingKey(HttpContext context) =>
        WriteAsync(context, StatusCodes.Status401Unauthorized,
            "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.",
            null, "401", null);

    public static Task InvalidKey(HttpContext context) =>
        WriteAsync(context, StatusCodes.Status401Unauthorized,
            "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.",
            null, "401", null);

    public static Task DeploymentNotFound(HttpContext context) =>
        WriteAsync(context, StatusCodes.Status404NotFound,
            "The API deployment for this resource does not exist. If you created the deployment within the last 5 minutes, please wait a moment and try again.",
            null, "DeploymentNotFound", null);

    public static Task OperationNotSupported(HttpContext context, string operation, string model) =>
        WriteAsync(context, StatusCodes.Status400BadRequest,
            $"The {operation} operation does not work with the specified model, {model}. Please choose different model and try again. You can learn more about which models can be used with each operation here: https://go.microsoft.com/fwlink/?linkid=2197993.",
            null, "OperationNotSupported", null);

    public static Task BadRequest(HttpContext context, string message, string? param, string? code = null) =>
        WriteAsync(context, StatusCodes.Status400BadRequest, message, "invalid_request_error", code, param);

    public static Task InvalidJson(HttpContext context) =>
        BadRequest(context,
            "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)",
            null);

    public static Task RateLimited(HttpContext context, string operation, string apiVersion, bool tokens, int retryAfterSeconds) =>
        WriteAsync(context, StatusCodes.Status429TooManyRequests,
            $"Requests to the {operation} Operation under Azure OpenAI API version {apiVersion} have exceeded {(tokens ? "token" : "call")} rate limit of your current OpenAI S0 pricing tier. Please retry after {retryAfterSeconds} second{(retryAfterSeconds == 1 ? "" : "s")}. Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit.",
            null, "429", null);

    public static Task InternalServerError(HttpContext context) =>
        WriteAsync(context, StatusCodes.Status500InternalServerError,
            "The server had an error while processing your request. Sorry about that!", "server_error", "InternalServerError", null);

    public static Task ServiceUnavailable(HttpContext context) =>
        WriteAsync(context, StatusCodes.Status503ServiceUnavailable,
            "The service is temporarily unable to process your request. Please try again later.", null, "ServiceUnavailable", null);

    public static Task PromptFiltered(HttpContext context) =>
        WriteAsync(context, StatusCodes.Status400BadRequest,
            "The response was filtered due to the prompt triggering Azure OpenAI's content management policy. Please modify your prompt and retry. To learn more about our content filtering policies please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766",
            null, "content_filter", "prompt", static writer =>
            {
                writer.WriteNumber("status", 400);
                writer.WriteStartObject("innererror");
                writer.WriteString("code", "ResponsibleAIPolicyViolation");
                writer.WritePropertyName("content_filter_result");
                ContentFilterJson.WritePromptResults(writer, filtered: true);
                writer.WriteEndObject();
            });

    public static async Task WriteAsync(HttpContext context, int status, string message, string? type, string? code, string? param,
        Action<Utf8JsonWriter>? extra = null)
    {
        using var buffer = new PooledBufferWriter(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("message", message);
            WriteNullableString(writer, "type", type);
            WriteNullableString(writer, "param", param);
            WriteNullableString(writer, "code", code);
            extra?.Invoke(writer);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = SimHeaders.Json;
        context.Response.ContentLength = buffer.WrittenCount;
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted);
    }

    private static void WriteNullableString(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }
}
