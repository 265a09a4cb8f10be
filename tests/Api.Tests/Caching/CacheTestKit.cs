using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net.Http.Headers;
using System.Text;
using AspireAoai.Api.Caching;
using AspireAoai.Api.Tests.Infrastructure;
using AspireAoai.ServiceDefaults.Cosmos;
using AspireAoai.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace AspireAoai.Api.Tests.Caching;

/// <summary>A simulator, a gateway with the cache pointed at a Cosmos server (its own database), and the gateway's cache metrics.</summary>
public sealed class CachedGateway : IAsyncDisposable
{
    public const string Chat = "gpt-4o-mini";
    public const string Embeddings = "text-embedding-3-large";

    private CachedGateway(SimulatorHost simulator, GatewayHost gateway, string database)
    {
        Simulator = simulator;
        Gateway = gateway;
        Database = database;
        Metrics = new MeterProbe(gateway.Services, CacheMetrics.MeterName);
        Limited = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Limited.DefaultRequestHeaders.Add("api-key", GatewayHost.LimitedClientKey);
    }

    public SimulatorHost Simulator { get; }

    public GatewayHost Gateway { get; }

    /// <summary>Client <c>test</c>.</summary>
    public HttpClient Http => Gateway.Http;

    /// <summary>Client <c>limited</c> (may use gpt-4o-mini only).</summary>
    public HttpClient Limited { get; }

    public string Database { get; }

    public MeterProbe Metrics { get; }

    /// <summary>Starts both. <paramref name="cosmosConnectionString"/> may point anywhere (a dead port, a black hole).</summary>
    public static async Task<CachedGateway> StartAsync(string cosmosConnectionString, IEnumerable<string>? extraArgs = null,
        Action<WebApplicationBuilder>? configure = null, string[]? simulatorArgs = null, bool waitForStore = true)
    {
        var simulator = await SimulatorHost.StartAsync("cache-test", simulatorArgs ?? []);
        var database = "t" + Guid.NewGuid().ToString("N")[..12];
        var args = new List<string>
        {
            $"--ConnectionStrings:cosmos={cosmosConnectionString}",
            $"--Cosmos:DatabaseName={database}",
        };
        args.AddRange(extraArgs ?? []);
        GatewayHost gateway;
        try
        {
            gateway = await GatewayHost.StartAsync(
            [
                new DeploymentSpec("mini", simulator.BaseAddress, Deployment: Chat, Model: Chat),
                new DeploymentSpec("big", simulator.BaseAddress, Deployment: "gpt-4o", Model: "gpt-4o"),
                new DeploymentSpec("emb", simulator.BaseAddress, Deployment: Embeddings, Model: Embeddings),
            ], args, configure);
        }
        catch
        {
            await simulator.DisposeAsync();
            throw;
        }

        if (waitForStore)
        {
            await gateway.Services.GetRequiredService<AoaiContainers>().WhenReadyAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        }

        return new CachedGateway(simulator, gateway, database);
    }

    public static string ChatPath(string deployment = Chat) => $"openai/deployments/{deployment}/chat/completions?api-version=2024-10-21";

    public static string EmbeddingsPath => $"openai/deployments/{Embeddings}/embeddings?api-version=2024-10-21";

    /// <summary>A chat body unique to <paramref name="prompt"/>.</summary>
    public static string ChatJson(string prompt, string temperature = "0", bool stream = false, bool includeUsage = true, int maxTokens = 16)
    {
        var streamPart = stream ? $",\"stream\":true{(includeUsage ? ",\"stream_options\":{\"include_usage\":true}" : "")}" : "";
        return $$"""{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"{{prompt}}"}],"temperature":{{temperature}},"max_tokens":{{maxTokens}}{{streamPart}}}""";
    }

    public static async Task<(HttpResponseMessage Response, byte[] Body, TimeSpan Elapsed)> PostAsync(HttpClient client, string path, string json,
        params (string Name, string Value)[] headers)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        var watch = Stopwatch.StartNew();
        var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();
        return (response, body, watch.Elapsed);
    }

    public static string? CacheHeader(HttpResponseMessage response)
        => response.Headers.TryGetValues(CacheStatus.HeaderName, out var values) ? values.Single() : null;

    public static long? Age(HttpResponseMessage response) => response.Headers.Age is { } age ? (long)age.TotalSeconds : null;

    public static MediaTypeHeaderValue? ContentType(HttpResponseMessage response) => response.Content.Headers.ContentType;

    /// <summary>The stored item, read straight from the store (status and JSON), bypassing the gateway.</summary>
    public async Task<(int Status, string? Json)> ReadItemAsync(CosmosServer cosmos, string partition, string id)
    {
        using var client = cosmos.CreateClient();
        using var response = await client.GetContainer(Database, "cache").ReadItemStreamAsync(id, new Microsoft.Azure.Cosmos.PartitionKey(partition));
        if (!response.IsSuccessStatusCode)
        {
            return ((int)response.StatusCode, null);
        }

        using var reader = new StreamReader(response.Content);
        return ((int)response.StatusCode, await reader.ReadToEndAsync());
    }

    public async ValueTask DisposeAsync()
    {
        Metrics.Dispose();
        Limited.Dispose();
        await Gateway.DisposeAsync();
        await Simulator.DisposeAsync();
    }
}
