using System.Text;

namespace AspireAoai.Api.Tests.Usage;

/// <summary>
/// A minimal Azure OpenAI-shaped upstream that sends its answer in two parts and holds the second until the test
/// releases it, so a client can leave after the upstream answered but before the gateway finished relaying.
/// </summary>
public sealed class HeldUpstream : IAsyncDisposable
{
    public const int PromptTokens = 17;
    public const int CompletionTokens = 5;

    private readonly WebApplication _app;
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private HeldUpstream(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>Set when the first part has been sent.</summary>
    public TaskCompletionSource FirstPartSent { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Set when the gateway closed its upstream request before the answer was complete.</summary>
    public TaskCompletionSource Aborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Set when the whole answer was written.</summary>
    public TaskCompletionSource Finished { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Release() => _release.TrySetResult();

    /// <param name="mode"><c>json</c> (with Content-Length), <c>chunked</c> (JSON without it) or <c>sse</c>.</param>
    public static async Task<HeldUpstream> StartAsync(string mode)
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls=http://127.0.0.1:0", "--Logging:LogLevel:Default=Warning"]);
        var app = builder.Build();
        HeldUpstream? self = null;
        app.MapPost("/openai/deployments/{deployment}/chat/completions", (HttpContext context) => self!.AnswerAsync(context, mode));
        await app.StartAsync();
        self = new HeldUpstream(app, new Uri(app.Urls.First().TrimEnd('/') + "/"));
        return self;
    }

    private async Task AnswerAsync(HttpContext context, string mode)
    {
        var aborted = context.RequestAborted;
        aborted.Register(() => Aborted.TrySetResult());
        var usage = $"\"usage\":{{\"prompt_tokens\":{PromptTokens},\"completion_tokens\":{CompletionTokens},\"total_tokens\":{PromptTokens + CompletionTokens}}}";
        string first, second;
        if (mode == "sse")
        {
            context.Response.ContentType = "text/event-stream";
            first = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-2024-11-20\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hello\"},\"finish_reason\":null}],\"usage\":null}\n\n";
            second = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-2024-11-20\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"usage\":null}\n\n"
                     + $"data: {{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-2024-11-20\",\"choices\":[],{usage}}}\n\ndata: [DONE]\n\n";
        }
        else
        {
            context.Response.ContentType = "application/json";
            var body = "{\"id\":\"c1\",\"object\":\"chat.completion\",\"model\":\"gpt-4o-2024-11-20\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"Hello there\"},\"finish_reason\":\"stop\"}],"
                       + usage + "}";
            first = body[..40];
            second = body[40..];
            if (mode == "json")
            {
                context.Response.ContentLength = Encoding.UTF8.GetByteCount(body);
            }
        }

        try
        {
            await context.Response.WriteAsync(first, aborted);
            await context.Response.Body.FlushAsync(aborted);
            FirstPartSent.TrySetResult();
            await _release.Task.WaitAsync(aborted);
            await context.Response.WriteAsync(second, aborted);
            Finished.TrySetResult();
        }
        catch (OperationCanceledException)
        {
            Aborted.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Release();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
