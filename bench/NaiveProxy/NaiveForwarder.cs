using System.Net;

namespace AspireAoai.Bench.NaiveProxy;

/// <summary>
/// The bare proxy: one shared <see cref="HttpClient"/>, the request body streamed up, the response streamed down
/// as it arrives (so server-sent events pass through chunk by chunk). No parsing, no auth, no retries.
/// </summary>
internal sealed class NaiveForwarder(ProxyOptions options)
{
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Transfer-Encoding", "Upgrade", "Proxy-Connection", "TE", "Trailer",
    };

    // One client for the process: pooled keep-alive connections to the upstream, no proxy, no cookies.
    private readonly HttpClient _client = new(new SocketsHttpHandler
    {
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
        MaxConnectionsPerServer = int.MaxValue,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public async Task ForwardAsync(HttpContext context, RedisBookkeeping? bookkeeping)
    {
        var request = context.Request;
        var aborted = context.RequestAborted;
        var target = new Uri(options.Upstream, string.Concat(request.PathBase.Value, request.Path.Value, request.QueryString.Value));

        using var upstreamRequest = new HttpRequestMessage(new HttpMethod(request.Method), target);
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            upstreamRequest.Content = new StreamContent(request.Body);
            if (request.ContentLength is { } length)
            {
                upstreamRequest.Content.Headers.ContentLength = length;
            }
        }

        foreach (var header in request.Headers)
        {
            if (HopByHop.Contains(header.Key) || string.Equals(header.Key, "Host", StringComparison.OrdinalIgnoreCase)
                || string.Equals(header.Key, "Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!upstreamRequest.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value))
            {
                upstreamRequest.Content?.Headers.TryAddWithoutValidation(header.Key, (IEnumerable<string?>)header.Value);
            }
        }

        if (bookkeeping is not null)
        {
            await bookkeeping.AdmitAsync();
        }

        HttpResponseMessage upstreamResponse;
        try
        {
            upstreamResponse = await _client.SendAsync(upstreamRequest, HttpCompletionOption.ResponseHeadersRead, aborted);
        }
        catch (HttpRequestException)
        {
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            return;
        }

        using (upstreamResponse)
        {
            var response = context.Response;
            response.StatusCode = (int)upstreamResponse.StatusCode;
            CopyHeaders(upstreamResponse.Headers, response.Headers);
            CopyHeaders(upstreamResponse.Content.Headers, response.Headers);

            await using var body = await upstreamResponse.Content.ReadAsStreamAsync(aborted);
            await body.CopyToAsync(response.Body, aborted);
        }

        if (bookkeeping is not null)
        {
            await bookkeeping.RecordAsync((int)context.Response.StatusCode);
        }
    }

    private static void CopyHeaders(System.Net.Http.Headers.HttpHeaders source, IHeaderDictionary target)
    {
        foreach (var header in source)
        {
            if (!HopByHop.Contains(header.Key))
            {
                target[header.Key] = header.Value.ToArray();
            }
        }
    }
}
