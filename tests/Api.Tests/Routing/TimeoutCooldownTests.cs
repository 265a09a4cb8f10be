using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AspireAoai.Api.Auth;
using AspireAoai.Api.Tests.Infrastructure;
using OpenAI;
using OpenAI.Chat;

namespace AspireAoai.Api.Tests.Routing;

/// <summary>
/// One client's slow requests cannot cool a deployment for all: a non-streamed timeout that may be the request's own
/// length (no or a large max_tokens) cools the deployment only when several distinct clients time out on it; a timeout
/// that cannot be the request's doing (a stream's first byte, a short max_tokens) cools it at once; and a max_tokens
/// that cannot finish within the attempt timeout is refused up front. One deployment, so a cool-down shows as
/// "every deployment cooling" for everyone.
/// </summary>
public sealed class TimeoutCooldownTests : IAsyncLifetime
{
    private const string Deployment = "eastus-gpt-4o";
    private const string OtherKey = "other-client-key";
    private const string ThirdKey = "third-client-key";

    private SimulatorHost _sim = null!;

    public async Task InitializeAsync() => _sim = await SimulatorHost.StartAsync("eastus");

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    private Task<GatewayHost> StartGatewayAsync() => GatewayHost.StartAsync([new DeploymentSpec(Deployment, _sim.BaseAddress)],
    [
        "--Gateway:Routing:AttemptTimeout=00:00:01",
        "--Gateway:Routing:DefaultCooldown=00:00:30",
        // 1 s at 1000 tokens/s: max_tokens up to 1000 is accepted, up to 500 counts as short.
        "--Gateway:Routing:NonStreamingTokensPerSecond=1000",
        "--Gateway:Clients:2:Id=other",
        $"--Gateway:Clients:2:KeyHash={KeyHasher.HashHex(OtherKey)}",
        "--Gateway:Clients:3:Id=third",
        $"--Gateway:Clients:3:KeyHash={KeyHasher.HashHex(ThirdKey)}",
    ]);

    private static HttpClient ClientFor(GatewayHost gateway, string key)
    {
        var http = new HttpClient { BaseAddress = gateway.BaseAddress };
        http.DefaultRequestHeaders.Add("api-key", key);
        return http;
    }

    /// <summary>A long answer: no max_tokens, so its length (and time) is the model's to decide.</summary>
    private static StringContent LongAnswerBody() =>
        GatewayHost.Json("""{"model":"gpt-4o","messages":[{"role":"user","content":"Write me a very long essay about cooling"}]}""");

    /// <summary>Client A's request meets a deployment that does not answer within the attempt timeout.</summary>
    private async Task<HttpResponseMessage> TimesOutAsync(HttpClient client, HttpContent body)
    {
        await _sim.AddFaultAsync("timeout", count: 1, deployment: "gpt-4o");
        return await client.PostAsync("v1/chat/completions", body);
    }

    private static async Task<string> StateAsync(GatewayHost gateway)
    {
        var doc = await gateway.Admin.GetFromJsonAsync<JsonElement>("admin/deployments");
        return doc.GetProperty("deployments").EnumerateArray().Single(d => d.GetProperty("name").GetString() == Deployment)
            .GetProperty("state").GetString()!;
    }

    [Fact]
    public async Task ClientATimingOutAgainAndAgain_LeavesTheDeploymentServingClientB()
    {
        await using var gateway = await StartGatewayAsync();
        using var clientA = ClientFor(gateway, GatewayHost.ClientKey);

        for (var i = 0; i < 3; i++)
        {
            using var timedOut = await TimesOutAsync(clientA, LongAnswerBody());
            Assert.Equal(HttpStatusCode.ServiceUnavailable, timedOut.StatusCode);
            Assert.Equal("healthy", await StateAsync(gateway));
        }

        // Client B, through the official SDK, is served by the deployment A's requests timed out on.
        var options = new OpenAIClientOptions { Endpoint = new Uri(gateway.BaseAddress, "v1"), RetryPolicy = new ClientRetryPolicy(0) };
        var clientB = new OpenAIClient(new ApiKeyCredential(OtherKey), options).GetChatClient("gpt-4o");
        var answer = await clientB.CompleteChatAsync([new UserChatMessage("Am I still served?")], new ChatCompletionOptions { MaxOutputTokenCount = 8 });
        Assert.Equal(200, answer.GetRawResponse().Status);
        Assert.Equal(Deployment, answer.GetRawResponse().Headers.TryGetValue("x-aoai-deployment", out var servedBy) ? servedBy : null);
        Assert.NotEmpty(answer.Value.Content[0].Text);
    }

    [Fact]
    public async Task TimeoutsFromTwoDistinctClients_CoolTheDeployment()
    {
        await using var gateway = await StartGatewayAsync();
        using var clientA = ClientFor(gateway, GatewayHost.ClientKey);
        using var clientB = ClientFor(gateway, OtherKey);
        using var clientC = ClientFor(gateway, ThirdKey);

        using var first = await TimesOutAsync(clientA, LongAnswerBody());
        Assert.Equal("healthy", await StateAsync(gateway));
        using var second = await TimesOutAsync(clientB, LongAnswerBody());
        Assert.Equal("cooling", await StateAsync(gateway));

        using var refused = await clientC.PostAsync("v1/chat/completions", GatewayHost.ChatBody());
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
    }

    [Fact]
    public async Task AnAnswerInBetween_ClearsEarlierTimeouts()
    {
        await using var gateway = await StartGatewayAsync();
        using var clientA = ClientFor(gateway, GatewayHost.ClientKey);
        using var clientB = ClientFor(gateway, OtherKey);

        using var first = await TimesOutAsync(clientA, LongAnswerBody());
        using var answered = await clientB.PostAsync("v1/chat/completions", GatewayHost.ChatBody());
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        using var second = await TimesOutAsync(clientB, LongAnswerBody());

        Assert.Equal("healthy", await StateAsync(gateway));
    }

    [Theory]
    [InlineData(false, 8)]
    [InlineData(true, 900)]
    public async Task ATimeoutThatCannotBeTheRequestsOwn_CoolsAtOnce(bool stream, int maxTokens)
    {
        // A stream's first byte is awaited for StreamingAttemptTimeout: as short as the non-streamed one here.
        await using var streaming = await GatewayHost.StartAsync([new DeploymentSpec(Deployment, _sim.BaseAddress)],
        [
            "--Gateway:Routing:AttemptTimeout=00:00:01",
            "--Gateway:Routing:StreamingAttemptTimeout=00:00:01",
            "--Gateway:Routing:DefaultCooldown=00:00:30",
            "--Gateway:Routing:NonStreamingTokensPerSecond=1000",
        ]);

        // The only deployment cooled: the request that met the timeout is answered "every deployment cooling".
        using var timedOut = await TimesOutAsync(streaming.Http, GatewayHost.ChatBody(stream: stream, maxTokens: maxTokens));
        Assert.Equal(HttpStatusCode.TooManyRequests, timedOut.StatusCode);
        Assert.Equal("cooling", await StateAsync(streaming));
    }

    [Fact]
    public async Task AMaxTokensThatCannotFinishWithinTheAttemptTimeout_Gets400SayingWhatToDo_UnlessStreamed()
    {
        await using var gateway = await StartGatewayAsync();

        using var refused = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody(maxTokens: 1001));
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        using var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        var e = error.RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", e.GetProperty("type").GetString());
        Assert.Equal("max_tokens_exceeds_attempt_timeout", e.GetProperty("code").GetString());
        Assert.Equal("max_tokens", e.GetProperty("param").GetString());
        Assert.Contains("at most 1000", e.GetProperty("message").GetString());
        Assert.Contains("\"stream\": true", e.GetProperty("message").GetString());
        Assert.Equal(0, await _sim.RequestsAsync("gpt-4o"));

        using var atTheLimit = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody(maxTokens: 1000));
        Assert.Equal(HttpStatusCode.OK, atTheLimit.StatusCode);
        using var streamed = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody(stream: true, maxTokens: 5000));
        Assert.Equal(HttpStatusCode.OK, streamed.StatusCode);
    }
}
