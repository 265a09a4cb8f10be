using Microsoft.Net.Http.Headers;

namespace AspireAoai.Api.Caching;

/// <summary>
/// What a request asks of the cache: <c>cache-control: no-cache</c> (skip the lookup, store the fresh answer),
/// <c>no-store</c> (neither), <c>max-age=N</c> or <c>x-aoai-cache-ttl: N</c> (the entry's TTL in seconds, and
/// the oldest entry this request accepts). Invalid values are ignored, as HTTP caches ignore unknown directives.
/// </summary>
internal readonly record struct CacheDirectives(bool NoCache, bool NoStore, TimeSpan? Ttl)
{
    public static CacheDirectives Parse(IHeaderDictionary headers)
    {
        bool noCache = false, noStore = false;
        TimeSpan? ttl = null;

        var cacheControl = headers[HeaderNames.CacheControl];
        for (var i = 0; i < cacheControl.Count; i++)
        {
            var value = cacheControl[i].AsSpan();
            foreach (var range in value.Split(','))
            {
                var directive = value[range].Trim();
                if (directive.Equals("no-cache", StringComparison.OrdinalIgnoreCase))
                {
                    noCache = true;
                }
                else if (directive.Equals("no-store", StringComparison.OrdinalIgnoreCase))
                {
                    noStore = true;
                }
                else if (directive.StartsWith("max-age=", StringComparison.OrdinalIgnoreCase))
                {
                    if (TryParseSeconds(directive[8..], out var maxAge))
                    {
                        ttl = maxAge;
                    }
                    else if (directive[8..].Trim().SequenceEqual("0"))
                    {
                        // As in HTTP: nothing stored is fresh enough; fetch and store anew.
                        noCache = true;
                    }
                }
            }
        }

        // The explicit header wins over max-age.
        var ttlHeader = headers[CacheStatus.TtlHeaderName];
        if (ttlHeader.Count == 1 && TryParseSeconds(ttlHeader[0], out var seconds))
        {
            ttl = seconds;
        }

        return new CacheDirectives(noCache, noStore, ttl);
    }

    private static bool TryParseSeconds(ReadOnlySpan<char> text, out TimeSpan value)
    {
        text = text.Trim().Trim('"');
        if (int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var s) && s > 0)
        {
            value = TimeSpan.FromSeconds(s);
            return true;
        }

        value = default;
        return false;
    }
}
