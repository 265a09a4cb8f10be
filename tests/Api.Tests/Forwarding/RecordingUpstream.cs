using System.Collections.Concurrent;
using Microsoft.Extensions.Primitives;

namespace AspireAoai.Api.Tests.Forwarding;

/// <summary>
/// An Azure OpenAI-shaped upstream that answers every chat completion with a fixed JSON answer, the headers a real
/// deployment sends (ids, region, <c>openai-*</c>, its own <c>x-ratelimit-*</c>) plus ones no client should see, and
/// records the headers of each request it receives.
/// </summary>
public sealed class RecordingUpstream : IAsyncDisposable
{
    /// <summary>The deployment-wide numbers it reports: the traffic of every tenant on the shared deployment.</summary>
    public const string DeploymentRemainingRequests = "99991";
    public const string DeploymentRemainingTokens = "88881";

    private readonly WebApplication _app;

    private RecordingUpstream(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>The headers of every request received, in order.</summary>
    public ConcurrentQueue<IReadOnlyDictionary<string, StringValues>> Requests { get; } = new();

    public static async Task<RecordingUpstream> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls=http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"]);
        var app = builder.Build();
        RecordingUpstream? self = null;
        app.MapPost("/openai/deployments/{deployment}/chat/completions", (HttpContext context) => self!.AnswerAsync(context));
        await app.StartAsync();
        self = new RecordingUpstream(app, new Uri(app.Urls.First().TrimEnd('/') + "/"));
        return self;
    }

    private async Task AnswerAsync(HttpContext context)
    {
        var seen = new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in context.Request.Headers)
        {
            seen[header.Key] = header.Value;
        }

        Requests.Enqueue(seen);
        var headers = context.Response.Headers;
        headers["x-request-id"] = "upstream-request-1";
        headers["apim-request-id"] = "apim-1";
        headers["x-ms-region"] = "East US";
        headers["openai-processing-ms"] = "12";
        headers["openai-model"] = "gpt-4o";
        headers["x-ratelimit-remaining-requests"] = DeploymentRemainingRequests;
        headers["x-ratelimit-remaining-tokens"] = DeploymentRemainingTokens;
        headers["x-ratelimit-limit-tokens"] = "900000";
        headers["set-cookie"] = "ARRAffinity=node-7; path=/";
        headers["x-ms-backend-node"] = "node-7.internal";
        headers["azureml-model-session"] = "d-1234";
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(
            "{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-2024-11-20\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello there\"},\"finish_reason\":\"stop\"}],"
            + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":3,\"total_tokens\":15}}");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
