using AspireAoai.Api.UsageReports;

namespace AspireAoai.Api.ApiDocs;

/// <summary>How the document describes one route: its tag, summary, caller, and the schemas of its body and answer.</summary>
internal sealed record RouteDoc(string Tag, string Summary, string Description, RouteCaller Caller, string? RequestSchema = null,
    string? ResponseSchema = null, Type? ResponseType = null, string[]? Query = null, bool OpenAiErrors = true);

/// <summary>
/// The descriptions of the routes the gateway maps, keyed by route pattern. A route missing here is still in the document
/// (<see cref="GatewayDocumentTransformer"/> describes any endpoint it finds), with a summary made of its method and path.
/// </summary>
internal static class RouteDocs
{
    public const string OpenAiTag = "OpenAI-compatible";
    public const string UsageTag = "Usage";
    public const string AdminTag = "Admin";
    public const string HealthTag = "Health";

    private const string AzureStyle = " Azure OpenAI style: the deployment name in the path picks the logical model (its pool of deployments);"
        + " `api-version` is accepted and passed on.";
    private const string OpenAiStyle = " OpenAI (v1) style: `model` in the body picks the logical model.";
    private const string Gateway = " The gateway authenticates the key, checks rate limits and budgets, may answer from its cache, routes to a"
        + " deployment with failover, and returns the upstream's answer with `x-ratelimit-*`, `x-aoai-cost-usd` and `x-request-id` headers.";

    private static readonly string[] Range = ["from", "to"];

    public static readonly IReadOnlyDictionary<string, RouteDoc> ByPattern = new Dictionary<string, RouteDoc>(StringComparer.OrdinalIgnoreCase)
    {
        ["/openai/deployments/{deployment}/chat/completions"] = Chat("Chat completion (Azure OpenAI path)", AzureStyle),
        ["/openai/v1/chat/completions"] = Chat("Chat completion (Azure OpenAI v1 path)", OpenAiStyle),
        ["/v1/chat/completions"] = Chat("Chat completion (OpenAI path)", OpenAiStyle),
        ["/openai/deployments/{deployment}/embeddings"] = Embeddings("Embeddings (Azure OpenAI path)", AzureStyle),
        ["/openai/v1/embeddings"] = Embeddings("Embeddings (Azure OpenAI v1 path)", OpenAiStyle),
        ["/v1/embeddings"] = Embeddings("Embeddings (OpenAI path)", OpenAiStyle),
        ["/openai/v1/models"] = Models("Models this key may use (Azure OpenAI v1 path)"),
        ["/v1/models"] = Models("Models this key may use (OpenAI path)"),
        ["/v1/usage"] = ClientUsage("Usage and cost of the calling client"),
        ["/openai/v1/usage"] = ClientUsage("Usage and cost of the calling client (Azure OpenAI v1 path)"),
        ["/admin/usage"] = new(UsageTag, "Usage and cost of every client",
            "Every configured client's usage lines and totals for `from`..`to` (UTC days, inclusive; default: this month), and the grand"
            + " total. `client` narrows it to one client. Errors in the OpenAI shape.",
            RouteCaller.Admin, ResponseType: typeof(UsageReports.AdminUsageReport), Query: ["from", "to", "client"]),
        ["/admin/deployments"] = new(AdminTag, "Deployment states",
            "Each upstream deployment's state: cooling until when and why, recent failures, its capacity.", RouteCaller.Admin, OpenAiErrors: false),
        ["/admin/deployments/{name}/reset"] = new(AdminTag, "End a deployment's cool-down",
            "Makes the named deployment eligible again at once.", RouteCaller.Admin, OpenAiErrors: false),
        ["/health"] = new(HealthTag, "Readiness", "Healthy when every health check passes (Redis reachable, configuration valid).",
            RouteCaller.Anyone, OpenAiErrors: false),
        ["/alive"] = new(HealthTag, "Liveness", "Healthy while the process runs.", RouteCaller.Anyone, OpenAiErrors: false),
    };

    /// <summary>The description of a route the table does not know: tagged by its place, summarised by method and path.</summary>
    public static RouteDoc Default(string method, string pattern) => new(
        pattern.StartsWith("/admin", StringComparison.OrdinalIgnoreCase) ? AdminTag : OpenAiTag,
        method + " " + pattern,
        "Served by the gateway.",
        pattern.StartsWith("/admin", StringComparison.OrdinalIgnoreCase) ? RouteCaller.Admin : RouteCaller.Client);

    private static RouteDoc Chat(string summary, string style) => new(OpenAiTag, summary,
        "Creates a chat completion, as Azure OpenAI does; with `\"stream\": true` the answer is `text/event-stream`." + style + Gateway,
        RouteCaller.Client, "ChatCompletionRequest", "ChatCompletion");

    private static RouteDoc Embeddings(string summary, string style) => new(OpenAiTag, summary,
        "Creates embeddings, as Azure OpenAI does." + style + Gateway, RouteCaller.Client, "EmbeddingsRequest", "EmbeddingsResponse");

    private static RouteDoc Models(string summary) => new(OpenAiTag, summary,
        "The logical models this client's key may call, in the OpenAI list shape.", RouteCaller.Client, ResponseSchema: "ModelList");

    private static RouteDoc ClientUsage(string summary) => new(UsageTag, summary,
        "The caller's usage lines per UTC day, model and deployment for `from`..`to` (inclusive; default: this month), their totals"
        + " (costs as exact decimal strings in USD), and the live spend against its budgets.",
        RouteCaller.Client, ResponseType: typeof(UsageReports.ClientUsageReport), Query: Range);
}
