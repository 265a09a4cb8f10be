using System.Net.Http.Json;
using System.Text.Json;
using AspireAoai.Simulator;

namespace AspireAoai.Api.Tests.Infrastructure;

/// <summary>An in-process simulator on a free Kestrel port: one simulated region.</summary>
public sealed class SimulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SimulatorHost(WebApplication app, Uri baseAddress, bool http2Only)
    {
        _app = app;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        if (http2Only)
        {
            // Prior knowledge: an endpoint that speaks only HTTP/2 over plain http refuses HTTP/1.1 requests.
            Http.DefaultRequestVersion = System.Net.HttpVersion.Version20;
            Http.DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }
    }

    /// <summary>Makes the simulator speak only HTTP/2 (h2c with prior knowledge).</summary>
    public const string Http2Only = "--Kestrel:EndpointDefaults:Protocols=Http2";

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    /// <summary>Starts a simulator with no latency (tests add latency through faults).</summary>
    public static async Task<SimulatorHost> StartAsync(string region, params string[] extraArgs)
    {
        string[] args =
        [
            "--urls=http://127.0.0.1:0",
            $"--Simulator:Region={region}",
            "--Simulator:Latency:TimeToFirstTokenMs=0",
            "--Simulator:Latency:PerTokenMs=0",
            "--Logging:LogLevel:Default=Warning",
            // Capacity well above what the tests send: a test that wants 429s switches them on as faults.
            "--Simulator:Deployments:0:Name=gpt-4o",
            "--Simulator:Deployments:0:Rpm=1000000",
            "--Simulator:Deployments:0:Tpm=100000000",
            "--Simulator:Deployments:1:Name=gpt-4o-mini",
            "--Simulator:Deployments:1:Rpm=1000000",
            "--Simulator:Deployments:1:Tpm=100000000",
            "--Simulator:Deployments:2:Name=text-embedding-3-large",
            "--Simulator:Deployments:2:Rpm=1000000",
            "--Simulator:Deployments:2:Tpm=100000000",
            .. extraArgs,
        ];
        var app = SimulatorApp.Build(args);
        await app.StartAsync();
        var host = new SimulatorHost(app, new Uri(app.Urls.First().TrimEnd('/') + "/"), extraArgs.Contains(Http2Only));
        await host.WarmUpAsync();
        return host;
    }

    /// <summary>
    /// The first answer loads the tokenizer and compiles the handlers: hundreds of milliseconds on a busy machine, which a
    /// gateway with a short attempt timeout would take for an outage. Answer once, then clear the stats.
    /// </summary>
    private async Task WarmUpAsync()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21")
        {
            Content = new StringContent("""{"messages":[{"role":"user","content":"warm up"}],"max_tokens":1}""", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Version = Http.DefaultRequestVersion;
        request.VersionPolicy = Http.DefaultVersionPolicy;
        // A bearer token is accepted whatever key the simulator requires (it stands for managed identity).
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "warm-up");
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        await ResetAsync();
    }

    /// <summary>POST /sim/faults.</summary>
    public async Task AddFaultAsync(string kind, int? count = null, int? retryAfterMs = null, int? delayMs = null, string? deployment = null, int? durationMs = null)
    {
        using var response = await Http.PostAsJsonAsync("sim/faults", new { kind, count, retryAfterMs, delayMs, deployment, durationMs });
        response.EnsureSuccessStatusCode();
    }

    /// <summary>Requests that reached a deployment of this simulator (GET /sim/stats).</summary>
    public async Task<long> RequestsAsync(string deployment)
    {
        using var doc = JsonDocument.Parse(await Http.GetStringAsync("sim/stats"));
        return doc.RootElement.GetProperty("deployments").TryGetProperty(deployment, out var stats)
            ? stats.GetProperty("requests").GetInt64()
            : 0;
    }

    /// <summary>Prompt and completion tokens a deployment of this simulator generated (GET /sim/stats): what Azure would bill.</summary>
    public async Task<(long Prompt, long Completion)> GeneratedTokensAsync(string deployment)
    {
        using var doc = JsonDocument.Parse(await Http.GetStringAsync("sim/stats"));
        return doc.RootElement.GetProperty("deployments").TryGetProperty(deployment, out var stats)
            ? (stats.GetProperty("promptTokens").GetInt64(), stats.GetProperty("completionTokens").GetInt64())
            : (0, 0);
    }

    public async Task ResetAsync()
    {
        using var response = await Http.PostAsync("sim/reset", null);
        response.EnsureSuccessStatusCode();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
