using System.Net.Http.Headers;
using System.Text;
using AspireAoai.Api.Auth;

namespace AspireAoai.Api.Tests.Infrastructure;

/// <summary>One upstream deployment for a test gateway.</summary>
public sealed record DeploymentSpec(string Name, Uri Endpoint, string Deployment = "gpt-4o", string Model = "gpt-4o", int Priority = 1,
    int Weight = 1, string? ApiKey = "sim-key", string Region = "test");

/// <summary>The gateway hosted in-process on a free Kestrel port, through <see cref="GatewayApp.Build(string[], Action{WebApplicationBuilder}?)"/>.</summary>
public sealed class GatewayHost : IAsyncDisposable
{
    public const string ClientKey = "test-client-key";
    public const string LimitedClientKey = "limited-client-key";
    public const string AdminKey = "test-admin-key";

    private readonly WebApplication _app;

    private GatewayHost(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Http.DefaultRequestHeaders.Add("api-key", ClientKey);
        Admin = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminKey);
    }

    public Uri BaseAddress { get; }

    /// <summary>A client that sends the test client's key as <c>api-key</c>.</summary>
    public HttpClient Http { get; }

    /// <summary>A client that sends the admin key.</summary>
    public HttpClient Admin { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Waits until the rate limiter has connected to Redis: it connects in the background (no request waits for it),
    /// and until then admissions are local, which a test of Redis-backed limits or budgets must not measure.
    /// </summary>
    public async Task<GatewayHost> WithRateLimiterConnectedAsync()
    {
        var connection = Services.GetRequiredService<AspireAoai.Api.RateLimiting.ClientLimiter>().Connection;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!connection.IsAvailable && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Xunit.Assert.True(connection.IsAvailable, "the gateway's rate limiter did not connect to Redis");
        return this;
    }

    public static async Task<GatewayHost> StartAsync(IEnumerable<DeploymentSpec> deployments, IEnumerable<string>? extraArgs = null,
        Action<WebApplicationBuilder>? configure = null)
    {
        var args = new List<string>
        {
            "--urls=http://127.0.0.1:0",
            "--Logging:LogLevel:Default=Warning",
            "--Gateway:Clients:0:Id=test",
            $"--Gateway:Clients:0:KeyHash={KeyHasher.HashHex(ClientKey)}",
            "--Gateway:Clients:1:Id=limited",
            $"--Gateway:Clients:1:KeyHash={KeyHasher.HashHex(LimitedClientKey)}",
            "--Gateway:Clients:1:AllowedModels:0=gpt-4o-mini",
            $"--Gateway:AdminKeyHash={KeyHasher.HashHex(AdminKey)}",
        };
        var i = 0;
        foreach (var d in deployments)
        {
            var prefix = $"--Gateway:Deployments:{i++}:";
            args.Add(prefix + "Name=" + d.Name);
            args.Add(prefix + "Endpoint=" + d.Endpoint);
            args.Add(prefix + "Deployment=" + d.Deployment);
            args.Add(prefix + "Model=" + d.Model);
            args.Add(prefix + "Priority=" + d.Priority);
            args.Add(prefix + "Weight=" + d.Weight);
            args.Add(prefix + "Region=" + d.Region);
            if (d.ApiKey is not null)
            {
                args.Add(prefix + "ApiKey=" + d.ApiKey);
            }
        }

        if (extraArgs is not null)
        {
            args.AddRange(extraArgs);
        }

        var app = GatewayApp.Build([.. args], configure);
        await app.StartAsync();
        return new GatewayHost(app, new Uri(app.Urls.First().TrimEnd('/') + "/"));
    }

    /// <summary>A chat request body.</summary>
    public static StringContent ChatBody(string? model = "gpt-4o", bool stream = false, int maxTokens = 8, string text = "Hello from the gateway tests")
    {
        var modelPart = model is null ? "" : $"\"model\":\"{model}\",";
        var streamPart = stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}" : "";
        return Json($"{{{modelPart}\"messages\":[{{\"role\":\"user\",\"content\":\"{text}\"}}],\"max_tokens\":{maxTokens}{streamPart}}}");
    }

    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        Admin.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
