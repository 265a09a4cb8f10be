using System.Net;
using System.Text;
using AspireAoai.Api.Routing;
using AspireAoai.Api.Tests.Infrastructure;

namespace AspireAoai.Api.Tests.Forwarding;

/// <summary>
/// <c>Gateway:UpstreamHttpVersion=2</c>: the gateway calls its deployments over HTTP/2 (prior knowledge over http), answers
/// and streams as over HTTP/1.1, and opens far fewer connections. The simulator here speaks only HTTP/2.
/// </summary>
public sealed class UpstreamHttp2Tests
{
    private const string ChatPath = "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21";

    [Fact]
    public async Task Http2ToAnHttp2OnlyUpstream_AnswersAndStreams()
    {
        await using var sim = await StartHttp2OnlySimulatorAsync();
        await using var gateway = await GatewayHost.StartAsync([new DeploymentSpec("h2", sim.BaseAddress)], ["--Gateway:UpstreamHttpVersion=2"]);

        using var answer = await gateway.Http.PostAsync(ChatPath, Body(stream: false));
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode);
        Assert.Contains("\"usage\"", await answer.Content.ReadAsStringAsync());

        using var stream = await gateway.Http.PostAsync(ChatPath, Body(stream: true));
        Assert.Equal(HttpStatusCode.OK, stream.StatusCode);
        var events = await stream.Content.ReadAsStringAsync();
        Assert.EndsWith("data: [DONE]\n\n", events);
        Assert.True(events.Contains("\"prompt_tokens\"", StringComparison.Ordinal), events);
    }

    [Fact]
    public async Task Http11ToTheSameUpstream_Fails_SoTheTestAboveSeesHttp2()
    {
        await using var sim = await StartHttp2OnlySimulatorAsync();
        await using var gateway = await GatewayHost.StartAsync([new DeploymentSpec("h2", sim.BaseAddress)]);

        using var answer = await gateway.Http.PostAsync(ChatPath, Body(stream: false));

        Assert.NotEqual(HttpStatusCode.OK, answer.StatusCode);
    }

    [Theory]
    [InlineData("http://aoai.local/", "2", 2, HttpVersionPolicy.RequestVersionExact)]
    [InlineData("https://x.openai.azure.com/", "2", 2, HttpVersionPolicy.RequestVersionOrLower)]
    [InlineData("https://x.openai.azure.com/", "1.1", 1, HttpVersionPolicy.RequestVersionOrLower)]
    [InlineData("http://aoai.local/", null, 1, HttpVersionPolicy.RequestVersionOrLower)]
    public void TheVersionIsNegotiatedOverHttps_AndSpokenWithPriorKnowledgeOverHttp(string endpoint, string? setting, int major, HttpVersionPolicy policy)
    {
        var protocol = UpstreamProtocol.For(setting, new Uri(endpoint));

        Assert.Equal(major, protocol.Version.Major);
        Assert.Equal(policy, protocol.Policy);
    }

    [Fact]
    public async Task AnUnknownVersion_FailsTheStart_NamingTheKey()
    {
        var ex = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => GatewayHost.StartAsync(
            [new DeploymentSpec("d", new Uri("http://127.0.0.1:1/"))], ["--Gateway:UpstreamHttpVersion=3"]));

        Assert.Contains("Gateway:UpstreamHttpVersion", ex.Message);
    }

    private static Task<SimulatorHost> StartHttp2OnlySimulatorAsync()
        => SimulatorHost.StartAsync("h2", SimulatorHost.Http2Only);

    private static StringContent Body(bool stream)
        => new($$"""{"messages":[{"role":"user","content":"hi"}],"max_tokens":8,"stream":{{(stream ? "true,\"stream_options\":{\"include_usage\":true}" : "false")}}}""",
            Encoding.UTF8, "application/json");
}
