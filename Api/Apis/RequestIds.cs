using System.Security.Cryptography;

namespace AspireAoai.Api.Apis;

/// <summary>
/// Request ids: 32 lowercase hex characters, a random 64-bit prefix drawn once per process and a 64-bit counter
/// starting at a random value. Unique across replicas (two processes share a prefix with probability 2^-64) without
/// asking the kernel for randomness on every request, as a random GUID does.
/// </summary>
internal static class RequestIds
{
    /// <summary>Azure OpenAI's request id headers: the gateway's id until an upstream answer replaces them with its own.</summary>
    internal const string UpstreamStyleHeader = "x-request-id";

    /// <summary>The API Management request id Azure OpenAI answers with; SDKs and support cases quote it.</summary>
    internal const string ApimHeader = "apim-request-id";

    /// <summary>
    /// Gives the request a new id: its <see cref="HttpContext.TraceIdentifier"/> and the response's
    /// <c>x-aoai-request-id</c>, <c>x-request-id</c> and <c>apim-request-id</c>. The last two are replaced by the
    /// upstream's own when an upstream answer is relayed (HeaderCopier); cache hits and the gateway's own errors keep them.
    /// </summary>
    public static string Assign(HttpContext context)
    {
        var id = Next();
        context.TraceIdentifier = id;
        var headers = context.Response.Headers;
        var value = new Microsoft.Extensions.Primitives.StringValues(id);
        headers[GatewayHandler.RequestIdHeader] = value;
        headers[UpstreamStyleHeader] = value;
        headers[ApimHeader] = value;
        return id;
    }

    /// <summary>
    /// Request ids for the requests the OpenAI route shortcut does not take (models, usage, admin, 404s): every response
    /// carries them. The proxied routes assign their own in GatewayHandler.
    /// </summary>
    public static IApplicationBuilder UseRequestIds(this IApplicationBuilder app) => app.Use(static (context, next) =>
    {
        Assign(context);
        return next(context);
    });

    private static readonly ulong Prefix = Random64();
    private static long _counter = (long)Random64();

    public static string Next() => string.Create(32, (ulong)Interlocked.Increment(ref _counter), static (span, counter) =>
    {
        Prefix.TryFormat(span, out _, "x16", System.Globalization.CultureInfo.InvariantCulture);
        counter.TryFormat(span[16..], out _, "x16", System.Globalization.CultureInfo.InvariantCulture);
    });

    private static ulong Random64() => BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(sizeof(ulong)));
}
