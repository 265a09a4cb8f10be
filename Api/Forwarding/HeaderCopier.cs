using System.Collections.Frozen;
using System.Net.Http.Headers;
using Microsoft.Extensions.Primitives;

namespace AspireAoai.Api.Forwarding;

/// <summary>
/// Copies the upstream response headers a client needs, and only those: request ids, region, the <c>openai-*</c>
/// headers, retry hints and the content headers. Everything else stays behind, above all the deployment's
/// <c>x-ratelimit-*</c>: they count every tenant's traffic on the shared deployment, so passing them on would show one
/// client the others' load (the client gets its own limits' <c>x-ratelimit-*</c> from the gateway's admission).
/// </summary>
internal static class HeaderCopier
{
    /// <summary>Response headers passed back by name (besides the <see cref="AllowedPrefix"/> family).</summary>
    internal static readonly FrozenSet<string> Allowed = new[]
    {
        "x-request-id", "apim-request-id", "x-ms-client-request-id", "x-ms-region",
        // 429 / 503 answers relayed as they are (the last attempt's): when to retry, as the SDKs read it.
        "retry-after", "retry-after-ms", "x-ms-retry-after-ms",
        "Content-Type", "Content-Encoding",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary><c>openai-model</c>, <c>openai-processing-ms</c>, <c>openai-version</c> ...</summary>
    internal const string AllowedPrefix = "openai-";

    /// <summary>True when a header of this name may reach the client.</summary>
    internal static bool IsAllowed(string name)
        => Allowed.Contains(name) || name.StartsWith(AllowedPrefix, StringComparison.OrdinalIgnoreCase);

    public static void CopyResponseHeaders(HttpResponseMessage source, HttpResponse target)
    {
        var headers = target.Headers;
        foreach (var header in source.Headers.NonValidated)
        {
            if (IsAllowed(header.Key))
            {
                headers[header.Key] = ToStringValues(header.Value);
            }
        }

        var content = source.Content.Headers;
        foreach (var header in content.NonValidated)
        {
            // Content-Length as a number: its text would be formatted from the parsed value only to be parsed again.
            if (IsAllowed(header.Key))
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
