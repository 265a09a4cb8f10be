using AspireAoai.Simulator.Http;

namespace AspireAoai.Simulator.Responses;

/// <summary>
/// The Responses routes' first checks: request ids, the api-version of the dated route (the Responses API exists
/// from 2025-03-01-preview; an older or missing version finds no such resource, as in Azure), then credentials.
/// </summary>
internal sealed class ResponsesFront(RequestFront front)
{
    /// <summary>The first api-version with the Responses API.</summary>
    public const string FirstApiVersion = "2025-03-01-preview";

    /// <summary>As in Azure's 429 messages for this operation.</summary>
    public static readonly Operation CreateOperation = new("Responses_Create", "responses", IsEmbeddings: false);

    /// <returns>The task writing the refusal, or null to go on.</returns>
    public Task? Check(HttpContext context, bool versioned, out string apiVersion)
    {
        front.StampHeaders(context);
        if (versioned)
        {
            var query = context.Request.Query["api-version"];
            var value = query.Count == 0 ? null : query[0];
            if (!string.IsNullOrWhiteSpace(value) && !Supports(value))
            {
                apiVersion = value;
                return AzureErrors.ResourceNotFound(context);
            }
        }

        return front.CheckVersionAndAuth(context, versioned, out apiVersion);
    }

    /// <summary>True for <c>yyyy-MM-dd[-preview]</c> from 2025-03-01 on.</summary>
    public static bool Supports(string apiVersion) =>
        apiVersion.Length >= 10 &&
        DateOnly.TryParseExact(apiVersion.AsSpan(0, 10), "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.None, out var date) &&
        date >= new DateOnly(2025, 3, 1) &&
        (apiVersion.Length == 10 || apiVersion.AsSpan(10).SequenceEqual("-preview"));

    public static Task NotFound(HttpContext context, string id) =>
        AzureErrors.WriteAsync(context, StatusCodes.Status404NotFound, $"Response with id '{id}' not found.", "invalid_request_error", null, null);

    public static Task PreviousNotFound(HttpContext context, string id) =>
        AzureErrors.BadRequest(context, $"Previous response with id '{id}' not found.", "previous_response_id", "previous_response_not_found");
}
