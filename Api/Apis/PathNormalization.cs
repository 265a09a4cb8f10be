namespace AspireAoai.Api.Apis;

/// <summary>
/// Collapses repeated slashes in the request path before routing. SDKs configured with an endpoint that ends
/// in '/' send <c>//openai/deployments/...</c> (the npm AzureOpenAI client does); Azure accepts that, so the
/// gateway must too.
/// </summary>
public static class PathNormalization
{
    public static IApplicationBuilder UseSlashNormalization(this IApplicationBuilder app)
        => app.Use(static (context, next) =>
        {
            var path = context.Request.Path.Value;
            if (path is not null && path.Contains("//", StringComparison.Ordinal))
            {
                context.Request.Path = new PathString(Collapse(path));
            }

            return next(context);
        });

    internal static string Collapse(string path)
    {
        var result = new System.Text.StringBuilder(path.Length);
        foreach (var c in path)
        {
            if (c != '/' || result.Length == 0 || result[^1] != '/')
            {
                result.Append(c);
            }
        }

        return result.ToString();
    }
}
