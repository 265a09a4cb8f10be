namespace AspireAoai.Api.UsagePage;

/// <summary>
/// <c>GET /usage</c>: a small page that charts a key's spend and tokens per day, model and (for the admin key) client, from
/// the usage API. Static HTML and one script of our own, embedded in the assembly: no CDN, no build step. The key is typed
/// into the page and sent only as the <c>api-key</c> header of the page's own calls to the usage API, never in a URL; the
/// page stores nothing. A content security policy lets the page talk to its own origin only.
/// </summary>
public static class UsagePageExtensions
{
    public const string PagePath = "/usage";
    public const string ScriptPath = "/usage.js";

    private const string Policy = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
        + "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static WebApplication MapUsagePage(this WebApplication app)
    {
        var page = Read("usage.html");
        var script = Read("usage.js");
        app.MapGet(PagePath, (HttpContext context) => Serve(context, page, "text/html; charset=utf-8")).ExcludeFromDescription();
        app.MapGet(ScriptPath, (HttpContext context) => Serve(context, script, "text/javascript; charset=utf-8")).ExcludeFromDescription();
        return app;
    }

    private static Task Serve(HttpContext context, byte[] body, string contentType)
    {
        var response = context.Response;
        response.ContentType = contentType;
        response.ContentLength = body.Length;
        response.Headers.ContentSecurityPolicy = Policy;
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.CacheControl = "no-cache";
        return response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    private static byte[] Read(string name)
    {
        using var stream = typeof(UsagePageExtensions).Assembly.GetManifestResourceStream("AspireAoai.Api.UsagePage." + name)
            ?? throw new InvalidOperationException($"The usage page's '{name}' is not embedded in the Api assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
