namespace AspireAoai.Api.ApiDocs;

/// <summary>Who may call a route, which decides its security requirement and its error responses.</summary>
internal enum RouteCaller
{
    /// <summary>A client key; errors in the OpenAI shape.</summary>
    Client,

    /// <summary>The admin key; errors as ProblemDetails (the usage report's admin view answers in the OpenAI shape).</summary>
    Admin,

    /// <summary>No key (health probes).</summary>
    Anyone,
}
