using System.Collections.Frozen;
using System.Net.Http.Headers;
using Microsoft.Extensions.Primitives;

namespace AspireAoai.Api.Forwarding;

/// <summary>
/// Copies upstream response headers to the client unchanged (<c>x-request-id</c>, <c>apim-request-id</c>,
/// <c>x-ratelimit-*</c> and the rest), leaving out hop-by-hop headers that describe only one connection.
/// </summary>
internal static class HeaderCopier
{
    private static readonly FrozenSet<string> HopByHop = new[]
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "TE", "Trailer", "Upgrade", "Proxy-Authenticate",
        "Proxy-Authorization", "Proxy-Connection", "Server",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    public static void CopyResponseHeaders(HttpResponseMessage source, HttpResponse target)
    {
        var headers = target.Headers;
        foreach (var header in source.Headers.NonValidated)
        {
            if (!HopByHop.Contains(header.Key))
            {
                headers[header.Key] = ToStringValues(header.Value);
            }
        }

        var content = source.Content.Headers;
        foreach (var header in content.NonValidated)
        {
            // Content-Length as a number: its text would be formatted from the parsed value only to be parsed again.
            if (!header.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                headers[header.Key] = ToStringValues(header.Value);
            }
        }

        if (content.ContentLength is { } length)
        {
            target.ContentLength = length;
        }
    }

    private static StringValues ToStringValues(HeaderStringValues values)
    {
        if (values.Count == 1)
        {
            foreach (var value in values)
            {
                return new StringValues(value);
            }
        }

        var array = new string[values.Count];
        var i = 0;
        foreach (var value in values)
        {
            array[i++] = value;
        }

        return new StringValues(array);
    }
}
