using AspireAoai.Api.Apis;
using AspireAoai.Api.Responses;
using AspireAoai.Api.Routing;

namespace AspireAoai.Api.Apis;

/// <summary>
/// The api-version rule of Azure's dated Responses path (<c>/openai/responses?api-version=</c>): the API exists from
/// <c>2025-03-01-preview</c>; an older, missing or malformed version is a 400, as Azure answers it.
/// </summary>
internal static class ResponsesApiVersion
{
    public const string First = "2025-03-01-preview";

    /// <summary>True when <paramref name="version"/> is a dated version from <see cref="First"/> on.</summary>
    public static bool Supports(string? version)
    {
        if (version is null || !UpstreamOptionsValidator.IsApiVersion(version) || version.Length < 10 || !char.IsAsciiDigit(version[0]))
        {
            return false;
        }

        var compared = string.CompareOrdinal(version, 0, First, 0, 10);
        // 2025-03-01 itself was only ever a preview.
        return compared > 0 || (compared == 0 && version.Length > 10);
    }

    /// <summary>Checks the request's api-version; false after answering 400.</summary>
    public static async ValueTask<bool> CheckAsync(HttpContext context)
    {
        var (count, value) = GatewayHandler.ApiVersion(context.Request.QueryString);
        if (count == 1 && Supports(value))
        {
            return true;
        }

        var message = count == 0
            ? $"Missing required query parameter 'api-version'. The Responses API needs {First} or later (or use /openai/v1/responses, which takes none)."
            : $"The Responses API is not available in api-version '{ResponseOwners.Truncate(value ?? "")}': use {First} or later, or /openai/v1/responses.";
        await OpenAiErrors.WriteAsync(context, StatusCodes.Status400BadRequest, message, OpenAiErrors.InvalidRequest,
            count == 0 ? "missing_api_version" : "invalid_api_version", "api-version").ConfigureAwait(false);
        return false;
    }
}
