using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text;
using System.Text.Json;
using Azure;
using Azure.AI.OpenAI;
using Microsoft.AspNetCore.Builder;
using OpenAI;

namespace AspireAoai.Simulator.Tests;

/// <summary>The real simulator on a free 127.0.0.1 port, with zero latency unless the test asks otherwise.</summary>
public sealed class SimulatorHost : IAsyncDisposable
{
    public const string ApiVersion = "2024-10-21";

    private readonly WebApplication _app;

    private SimulatorHost(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri BaseAddress { get; }

    /// <summary>A raw client with no credentials.</summary>
    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    public static async Task<SimulatorHost> StartAsync(IEnumerable<string>? settings = null, Action<WebApplicationBuilder>? configure = null)
    {
        var args = new List<string>
        {
            "--urls=http://127.0.0.1:0",
            "--Logging:LogLevel:Default=Warning",
            "--Simulator:Latency:TimeToFirstTokenMs=0",
            "--Simulator:Latency:PerTokenMs=0",
        };
        foreach (var setting in settings ?? [])
        {
            args.Add("--" + setting);
        }

        var app = SimulatorApp.Build([.. args], configure);
        await app.StartAsync();
        var address = app.Urls.Single(u => u.StartsWith("http://127.0.0.1:", StringComparison.Ordinal));
        return new SimulatorHost(app, new Uri(address + "/"));
    }

    /// <summary>The Azure OpenAI client (versioned routes, <c>api-key</c> header), with retries off so faults are seen.</summary>
    public AzureOpenAIClient AzureClient(string key = "test-key") =>
        new(BaseAddress, new AzureKeyCredential(key), new AzureOpenAIClientOptions { RetryPolicy = new ClientRetryPolicy(0) });

    /// <summary>The OpenAI client on the v1 routes (<c>Authorization: Bearer</c>).</summary>
    public OpenAIClient OpenAIClient(string key = "test-key") =>
        new(new ApiKeyCredential(key), new OpenAIClientOptions
        {
            Endpoint = new Uri(BaseAddress, "openai/v1"),
            RetryPolicy = new ClientRetryPolicy(0),
        });

    public static string ChatPath(string deployment) => $"openai/deployments/{deployment}/chat/completions?api-version={ApiVersion}";

    public static string EmbeddingsPath(string deployment) => $"openai/deployments/{deployment}/embeddings?api-version={ApiVersion}";

    /// <summary>POSTs JSON with an <c>api-key</c> header (unless <paramref name="apiKey"/> is null) and extra headers.</summary>
    public Task<HttpResponseMessage> PostAsync(string path, string json, string? apiKey = "test-key",
        IEnumerable<KeyValuePair<string, string>>? headers = null, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (apiKey is not null)
        {
            request.Headers.Add("api-key", apiKey);
        }

        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return Http.SendAsync(request, cancellationToken);
    }

    public Task<HttpResponseMessage> PostBearerAsync(string path, string json, string token = "entra-token")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + token);
        return Http.SendAsync(request);
    }

    public async Task AddFaultAsync(object fault)
    {
        using var response = await Http.PostAsync("sim/faults", new StringContent(JsonSerializer.Serialize(fault), Encoding.UTF8, "application/json"));
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
    }

    public async Task<JsonElement> StatsAsync()
    {
        using var response = await Http.GetAsync("sim/stats");
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>Helpers for reading Azure-shaped answers.</summary>
public static class Json
{
    public static async Task<JsonElement> ReadAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    public static string ChatBody(string userText, int? maxTokens = null, bool stream = false, bool includeUsage = false, int n = 1, string? model = null)
    {
        var body = new Dictionary<string, object?>
        {
            ["messages"] = new object[]
            {
                new { role = "system", content = "You are a helpful assistant." },
                new { role = "user", content = userText },
            },
        };
        if (maxTokens is not null)
        {
            body["max_tokens"] = maxTokens;
        }

        if (stream)
        {
            body["stream"] = true;
        }

        if (includeUsage)
        {
            body["stream_options"] = new { include_usage = true };
        }

        if (n != 1)
        {
            body["n"] = n;
        }

        if (model is not null)
        {
            body["model"] = model;
        }

        return JsonSerializer.Serialize(body);
    }

    /// <summary>The JSON payloads of an SSE body, without the <c>[DONE]</c> marker (asserted separately).</summary>
    public static List<JsonElement> SseEvents(string body, out bool sawDone)
    {
        var events = new List<JsonElement>();
        sawDone = false;
        foreach (var block in body.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.StartsWith("data: ", block, StringComparison.Ordinal);
            var data = block["data: ".Length..];
            if (data == "[DONE]")
            {
                sawDone = true;
                continue;
            }

            Assert.False(sawDone, "an event came after [DONE]");
            events.Add(JsonDocument.Parse(data).RootElement.Clone());
        }

        return events;
    }
}
