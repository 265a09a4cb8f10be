namespace AspireAoai.Bench.NaiveProxy;

/// <summary>Where to forward (<c>Proxy:Upstream</c>) and, optionally, the Redis to charge per request (<c>Proxy:Redis</c>).</summary>
internal sealed record ProxyOptions(Uri Upstream, string? Redis)
{
    public static ProxyOptions From(IConfiguration configuration)
    {
        var upstream = configuration["Proxy:Upstream"];
        if (!Uri.TryCreate(upstream, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new InvalidOperationException("Proxy:Upstream must be an absolute http(s) URL, e.g. http://127.0.0.1:5001.");
        }

        var redis = configuration["Proxy:Redis"];
        return new ProxyOptions(uri, string.IsNullOrWhiteSpace(redis) ? null : redis);
    }
}
