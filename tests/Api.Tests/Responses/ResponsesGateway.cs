#pragma warning disable OPENAI001 // The Responses client is marked experimental in OpenAI 2.15.
using System.ClientModel;
using AspireAoai.Api.Tests.Infrastructure;
using AspireAoai.TestSupport;
using OpenAI;
using OpenAI.Responses;

namespace AspireAoai.Api.Tests.Responses;

/// <summary>Two simulator regions behind a gateway whose response affinity lives in a real redis-server.</summary>
public sealed class ResponsesGateway : IAsyncDisposable
{
    private ResponsesGateway(RedisServer redis, TwoRegions regions)
    {
        Redis = redis;
        Regions = regions;
    }

    public RedisServer Redis { get; }

    public TwoRegions Regions { get; }

    public GatewayHost Gateway => Regions.Gateway;

    public static async Task<ResponsesGateway> StartAsync(params string[] args)
    {
        var redis = await RedisServer.StartAsync();
        var regions = await TwoRegions.StartAsync([$"--ConnectionStrings:redis={redis.ConnectionString}", .. args]);
        return new ResponsesGateway(redis, regions);
    }

    /// <summary>The OpenAI .NET client's Responses client, pointed at the gateway's <c>/v1</c> with <paramref name="key"/>.</summary>
    public ResponsesClient Client(string key = GatewayHost.ClientKey) => OpenAi(key).GetResponsesClient();

    public OpenAIClient OpenAi(string key = GatewayHost.ClientKey)
        => new(new ApiKeyCredential(key), new OpenAIClientOptions { Endpoint = new Uri(Gateway.BaseAddress, "v1"), RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(0) });

    public async ValueTask DisposeAsync()
    {
        await Regions.DisposeAsync();
        await Redis.DisposeAsync();
    }
}
