using AspireAoai.Api.Routing;

namespace AspireAoai.Api.Responses;

/// <summary>How each follow-up is sent upstream.</summary>
internal static class FollowUps
{
    public static HttpMethod Method(this FollowUpKind kind) => kind switch
    {
        FollowUpKind.Delete => HttpMethod.Delete,
        FollowUpKind.Cancel => HttpMethod.Post,
        _ => HttpMethod.Get,
    };

    /// <summary>
    /// <c>{endpoint}openai/v1/responses/{id}[/cancel|/input_items]</c> with the client's query (stream,
    /// starting_after, limit, order, after, include) less <c>api-version</c>: the v1 path takes none.
    /// </summary>
    public static Uri UpstreamUri(Deployment deployment, string id, FollowUpKind kind, QueryString query)
    {
        var suffix = kind switch
        {
            FollowUpKind.Cancel => "/cancel",
            FollowUpKind.InputItems => "/input_items",
            _ => "",
        };
        return new Uri(deployment.ResponsesBase + "/" + Uri.EscapeDataString(id) + suffix + UpstreamQuery(query));
    }

    internal static string UpstreamQuery(QueryString query)
    {
        if (!query.HasValue)
        {
            return "";
        }

        var builder = new System.Text.StringBuilder();
        foreach (var pair in new Microsoft.AspNetCore.WebUtilities.QueryStringEnumerable(query.Value))
        {
            if (pair.DecodeName().Span.Equals("api-version", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            builder.Append(builder.Length == 0 ? '?' : '&').Append(pair.EncodedName.Span).Append('=').Append(pair.EncodedValue.Span);
        }

        return builder.ToString();
    }
}
