using System.Globalization;
using System.Text.Json;

namespace AspireAoai.Api;

/// <summary>Writes errors in the OpenAI shape: <c>{"error":{"message","type","code","param"}}</c>.</summary>
public static class OpenAiErrors
{
    public const string InvalidRequest = "invalid_request_error";
    public const string Authentication = "authentication_error";
    public const string Permission = "permission_error";
    public const string NotFound = "not_found_error";
    public const string RateLimit = "rate_limit_error";
    public const string Server = "server_error";

    /// <summary>An authentication's refusal (<see cref="Auth.ClientAuthResult"/>): its status, message and code; a 401 is the caller's error.</summary>
    public static Task WriteRefusalAsync(HttpContext context, Auth.ClientAuthResult refused)
        => WriteAsync(context, refused.Status, refused.Message!,
            refused.Status == StatusCodes.Status401Unauthorized ? InvalidRequest : Server, refused.Code!);

    /// <summary>Writes the error; <paramref name="retryAfter"/> sets <c>retry-after</c> and <c>retry-after-ms</c>.</summary>
    public static async Task WriteAsync(HttpContext context, int status, string message, string type, string? code,
        string? param = null, TimeSpan? retryAfter = null)
    {
        var response = context.Response;
        if (response.HasStarted)
        {
            return;
        }

        response.StatusCode = status;
        response.ContentType = "application/json";
        if (retryAfter is { } delay)
        {
            var ms = Math.Max(0, (long)Math.Ceiling(delay.TotalMilliseconds));
            response.Headers["retry-after-ms"] = ms.ToString(CultureInfo.InvariantCulture);
            response.Headers.RetryAfter = Math.Max(1, (long)Math.Ceiling(ms / 1000.0)).ToString(CultureInfo.InvariantCulture);
        }

        var writer = new Utf8JsonWriter(response.BodyWriter);
        await using (writer.ConfigureAwait(false))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error"u8);
            writer.WriteString("message"u8, message);
            writer.WriteString("type"u8, type);
            WriteNullable(writer, "code"u8, code);
            WriteNullable(writer, "param"u8, param);
            writer.WriteEndObject();
            writer.WriteEndObject();
            await writer.FlushAsync().ConfigureAwait(false);
        }
    }

    private static void WriteNullable(Utf8JsonWriter writer, ReadOnlySpan<byte> name, string? value)
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
