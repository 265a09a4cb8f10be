using System.Net;
using AspireAoai.Api.Tests.Infrastructure;
using AspireAoai.TestSupport;
using StackExchange.Redis;

namespace AspireAoai.Api.Tests.Usage;

/// <summary>
/// <c>stream_options.include_usage</c> is not added where Azure rejects it: "On Your Data" requests (<c>data_sources</c>)
/// and image input. Those streams then carry no usage chunk, and their usage is recorded as the gateway's estimate; a
/// plain stream still gets the injected option and exact usage.
/// </summary>
public sealed class StreamOptionsExemptionTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private const string Messages = """[{"role":"user","content":"Tell me about streamed usage"}]""";
    private const string ImageMessages = """[{"role":"user","content":[{"type":"text","text":"What is in this picture?"},{"type":"image_url","image_url":{"url":"https://example.com/cat.png"}}]}]""";
    private const string DataSources = """[{"type":"azure_search","parameters":{"endpoint":"https://search.example.com","index_name":"docs"}}]""";

    public static TheoryData<string, string, bool> Requests => new()
    {
        { "plain", $$"""{"model":"gpt-4o","messages":{{Messages}},"max_tokens":12,"stream":true}""", false },
        { "data_sources", $$"""{"model":"gpt-4o","messages":{{Messages}},"max_tokens":12,"stream":true,"data_sources":{{DataSources}}}""", true },
        { "image_input", $$"""{"model":"gpt-4o","messages":{{ImageMessages}},"max_tokens":12,"stream":true}""", true },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task IncludeUsage_IsNotInjected_WhereAzureRejectsIt_AndUsageIsThenEstimated(string kind, string json, bool exempt)
    {
        await using var sim = await SimulatorHost.StartAsync("eastus");
        await using var gateway = await (await GatewayHost.StartAsync([new DeploymentSpec("eastus-gpt-4o", sim.BaseAddress)],
            [$"--ConnectionStrings:redis={redis.Server.ConnectionString}"]))
            .WithRateLimiterConnectedAsync();
        await using var mux = await ConnectionMultiplexer.ConnectAsync(redis.Server.ConnectionString);

        using var response = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.Json(json));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("\"usage\":{", body, StringComparison.Ordinal); // the client asked for none either way

        var requestId = response.Headers.GetValues("x-aoai-request-id").Single();
        AspireAoai.Accounting.Usage.UsageEvent? usage = null;
        for (var i = 0; i < 150 && usage is null; i++)
        {
            usage = (await UsageStreamProbe.ReadAllAsync(mux.GetDatabase())).Find(e => e.RequestId == requestId);
            if (usage is null) await Task.Delay(100);
        }

        Assert.True(usage is not null, $"no usage event for the {kind} request");
        Assert.Equal(exempt, usage.Estimated);
        Assert.True(usage.OutputTokens > 0);
    }
}
