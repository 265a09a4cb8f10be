using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Azure.AI.OpenAI.Chat;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpenAI.Chat;

namespace AspireAoai.Simulator.Tests.Faults;

public sealed class FaultInjectionTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;

    public async Task InitializeAsync() => _sim = await SimulatorHost.StartAsync();

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public async Task Fault429_WithCount_FailsThatManyRequests_WithRetryHeaders_ThenAnswers()
    {
        await _sim.AddFaultAsync(new { kind = "429", count = 2, retryAfterMs = 1500, deployment = "gpt-4o" });

        using var first = await Chat("gpt-4o");
        using var second = await Chat("gpt-4o");
        using var third = await Chat("gpt-4o");

        foreach (var refused in new[] { first, second })
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal("1500", Assert.Single(refused.Headers.GetValues("retry-after-ms")));
            Assert.Equal("2", Assert.Single(refused.Headers.GetValues("retry-after")));
            Assert.Equal("429", (await Json.ReadAsync(refused)).GetProperty("error").GetProperty("code").GetString());
        }

        Assert.Equal(HttpStatusCode.OK, third.StatusCode);
    }

    [Fact]
    public async Task AFaultForOneDeployment_LeavesOthersAlone()
    {
        await _sim.AddFaultAsync(new { kind = 503, deployment = "gpt-4o" });

        using var faulted = await Chat("gpt-4o");
        using var spared = await Chat("gpt-4o-mini");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, faulted.StatusCode);
        Assert.Equal("ServiceUnavailable", (await Json.ReadAsync(faulted)).GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.OK, spared.StatusCode);
    }

    [Fact]
    public async Task Fault500_IsAnInternalServerErrorInAzureShape()
    {
        await _sim.AddFaultAsync(new { kind = "500", count = 1 });

        using var response = await Chat("gpt-4o");

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("InternalServerError", (await Json.ReadAsync(response)).GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task FaultWithDuration_StopsWhenItsTimeIsUp()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var sim = await SimulatorHost.StartAsync(configure: b => b.Services.AddSingleton<TimeProvider>(clock));
        await sim.AddFaultAsync(new { kind = "500", durationMs = 10_000 });

        using var during = await sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("x"));
        clock.Advance(TimeSpan.FromSeconds(10));
        using var after = await sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("x"));

        Assert.Equal(HttpStatusCode.InternalServerError, during.StatusCode);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }

    [Fact]
    public async Task SlowFault_DelaysTheHeaders_ThenAnswers()
    {
        await _sim.AddFaultAsync(new { kind = "slow", delayMs = 400, count = 1 });

        var watch = Stopwatch.StartNew();
        using var response = await Chat("gpt-4o");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(watch.ElapsedMilliseconds >= 380, $"answered after {watch.ElapsedMilliseconds} ms");
    }

    [Fact]
    public async Task TimeoutFault_NeverAnswers_UntilTheClientGivesUp_AndIsCounted()
    {
        // The first chat loads the tokenizer, seconds on a loaded machine, during which the client below would give up
        // before the fault is reached: load it with another deployment of the same model family first.
        using (var warm = await Chat("gpt-4o-mini"))
        {
            Assert.Equal(HttpStatusCode.OK, warm.StatusCode);
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("x"),
            headers: [new("x-sim-fault", "timeout")], cancellationToken: cts.Token));

        // The simulator counts the request when its handler ends, which is when it sees the client leave.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        JsonElement stats;
        while (!(await _sim.StatsAsync()).GetProperty("deployments").TryGetProperty("gpt-4o", out stats) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        Assert.Equal(1, stats.GetProperty("requests").GetInt64());
        Assert.Equal(1, stats.GetProperty("faults").GetProperty("timeout").GetInt64());
        Assert.Empty(stats.GetProperty("statusCodes").EnumerateObject());
    }

    [Fact]
    public async Task PromptFilterFault_Is400ContentFilter_WithInnerErrorResults()
    {
        await _sim.AddFaultAsync(new { kind = "prompt_filter", count = 1 });

        using var response = await Chat("gpt-4o");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await Json.ReadAsync(response)).GetProperty("error");
        Assert.Equal("content_filter", error.GetProperty("code").GetString());
        Assert.Equal("prompt", error.GetProperty("param").GetString());
        Assert.Equal(400, error.GetProperty("status").GetInt32());
        var inner = error.GetProperty("innererror");
        Assert.Equal("ResponsibleAIPolicyViolation", inner.GetProperty("code").GetString());
        var result = inner.GetProperty("content_filter_result");
        Assert.True(result.GetProperty("violence").GetProperty("filtered").GetBoolean());
        Assert.Equal("medium", result.GetProperty("violence").GetProperty("severity").GetString());
        Assert.False(result.GetProperty("jailbreak").GetProperty("detected").GetBoolean());
        foreach (var category in new[] { "hate", "self_harm", "sexual" })
        {
            Assert.Equal("safe", result.GetProperty(category).GetProperty("severity").GetString());
        }
    }

    [Fact]
    public async Task CompletionFilterFault_Is200WithFinishReasonContentFilter_SeenByTheAzureClient()
    {
        await _sim.AddFaultAsync(new { kind = "completion_filter", count = 1 });
        var chat = _sim.AzureClient().GetChatClient("gpt-4o");

        ChatCompletion completion = await chat.CompleteChatAsync("Say something filtered");

        Assert.Equal(ChatFinishReason.ContentFilter, completion.FinishReason);
#pragma warning disable AOAI001
        var filter = completion.GetResponseContentFilterResult();
#pragma warning restore AOAI001
        Assert.True(filter.Violence.Filtered);
    }

    [Fact]
    public async Task CompletionFilterFault_InAStream_EndsTheChoiceWithContentFilter()
    {
        using var response = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("stream filtered", stream: true),
            headers: [new("x-sim-fault", "completion_filter")]);

        var events = Json.SseEvents(await response.Content.ReadAsStringAsync(), out var done);

        Assert.True(done);
        var last = events[^1].GetProperty("choices")[0];
        Assert.Equal("content_filter", last.GetProperty("finish_reason").GetString());
        Assert.True(last.GetProperty("content_filter_results").GetProperty("violence").GetProperty("filtered").GetBoolean());
    }

    [Fact]
    public async Task CutFault_BreaksAStreamAfterHalfItsContent_AndTheStatsCountWhatWentOut()
    {
        using var full = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("cut me short please", stream: true, includeUsage: true));
        var fullEvents = Json.SseEvents(await full.Content.ReadAsStringAsync(), out _);
        var usage = fullEvents[^1].GetProperty("usage");
        var contentChunks = fullEvents.Count(e => e.GetProperty("choices").GetArrayLength() > 0
            && e.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out var c) && c.GetString()!.Length > 0);
        await _sim.Http.PostAsync("sim/reset", null);

        using var request = new HttpRequestMessage(HttpMethod.Post, SimulatorHost.ChatPath("gpt-4o"))
        {
            Content = new StringContent(Json.ChatBody("cut me short please", stream: true), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("api-key", "test-key");
        request.Headers.Add("x-sim-fault", "cut");
        using var response = await _sim.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var received = new StringBuilder();
        var stream = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[4096];
        var broken = await Record.ExceptionAsync(async () =>
        {
            int read;
            while ((read = await stream.ReadAsync(buffer)) > 0)
            {
                received.Append(Encoding.UTF8.GetString(buffer, 0, read));
            }
        });

        Assert.NotNull(broken);
        Assert.DoesNotContain("[DONE]", received.ToString());
        using var stats = JsonDocument.Parse(await _sim.Http.GetStringAsync("sim/stats"));
        var gpt4o = stats.RootElement.GetProperty("deployments").GetProperty("gpt-4o");
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt64(), gpt4o.GetProperty("promptTokens").GetInt64());
        var sent = gpt4o.GetProperty("completionTokens").GetInt64();
        Assert.InRange(sent, 1, usage.GetProperty("completion_tokens").GetInt64() - 1);
        Assert.Equal(1, gpt4o.GetProperty("faults").GetProperty("cut").GetInt64());
        Assert.True(contentChunks >= 2);
    }

    [Fact]
    public async Task Stats_CountTheTokensOfWholeAnswers()
    {
        using var response = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("count my tokens", maxTokens: 20));
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var usage = body.RootElement.GetProperty("usage");

        using var stats = JsonDocument.Parse(await _sim.Http.GetStringAsync("sim/stats"));
        var gpt4o = stats.RootElement.GetProperty("deployments").GetProperty("gpt-4o");
        Assert.Equal(usage.GetProperty("prompt_tokens").GetInt64(), gpt4o.GetProperty("promptTokens").GetInt64());
        Assert.Equal(usage.GetProperty("completion_tokens").GetInt64(), gpt4o.GetProperty("completionTokens").GetInt64());
    }

    [Theory]
    [InlineData("429", HttpStatusCode.TooManyRequests)]
    [InlineData("500", HttpStatusCode.InternalServerError)]
    [InlineData("503", HttpStatusCode.ServiceUnavailable)]
    [InlineData("prompt_filter", HttpStatusCode.BadRequest)]
    [InlineData("slow", HttpStatusCode.OK)]
    [InlineData("completion_filter", HttpStatusCode.OK)]
    public async Task HeaderFault_AppliesToThatRequestOnly(string kind, HttpStatusCode expected)
    {
        using var faulted = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("x"),
            headers: [new("x-sim-fault", kind), new("x-sim-retry-after-ms", "2500"), new("x-sim-delay-ms", "50")]);
        using var next = await Chat("gpt-4o");

        Assert.Equal(expected, faulted.StatusCode);
        if (expected == HttpStatusCode.TooManyRequests)
        {
            Assert.Equal("2500", Assert.Single(faulted.Headers.GetValues("retry-after-ms")));
            Assert.Equal("3", Assert.Single(faulted.Headers.GetValues("retry-after")));
        }

        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        var stats = (await _sim.StatsAsync()).GetProperty("deployments").GetProperty("gpt-4o");
        Assert.Equal(1, stats.GetProperty("faults").GetProperty(kind).GetInt64());
    }

    [Fact]
    public async Task UnknownHeaderFault_Is400()
    {
        using var response = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("x"), headers: [new("x-sim-fault", "meltdown")]);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("x-sim-fault", (await Json.ReadAsync(response)).GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task FaultsApply_ToEmbeddingsToo()
    {
        await _sim.AddFaultAsync(new { kind = "429", count = 1, deployment = "text-embedding-3-large" });

        using var response = await _sim.PostAsync(SimulatorHost.EmbeddingsPath("text-embedding-3-large"), """{"input":"x"}""");

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Contains("Embeddings_Create", (await Json.ReadAsync(response)).GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FaultsApi_ListsAndDeletesRules()
    {
        await _sim.AddFaultAsync(new { kind = "429", count = 5, retryAfterMs = 1500, deployment = "gpt-4o" });
        await _sim.AddFaultAsync(new { kind = "slow", delayMs = 10 });
        using var used = await Chat("gpt-4o");

        var list = JsonDocument.Parse(await _sim.Http.GetStringAsync("sim/faults")).RootElement.GetProperty("faults");
        Assert.Equal(2, list.GetArrayLength());
        Assert.Equal("429", list[0].GetProperty("kind").GetString());
        Assert.Equal(4, list[0].GetProperty("remaining").GetInt32());
        Assert.Equal("gpt-4o", list[0].GetProperty("deployment").GetString());
        Assert.Equal(JsonValueKind.Null, list[1].GetProperty("remaining").ValueKind);

        using var deleted = await _sim.Http.DeleteAsync("sim/faults");
        Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        Assert.Equal(0, JsonDocument.Parse(await _sim.Http.GetStringAsync("sim/faults")).RootElement.GetProperty("faults").GetArrayLength());
        using var clean = await Chat("gpt-4o");
        Assert.Equal(HttpStatusCode.OK, clean.StatusCode);
    }

    [Theory]
    [InlineData("""{"kind":"meltdown"}""")]
    [InlineData("""{"kind":"429","count":0}""")]
    [InlineData("""{"kind":"429","durationMs":-1}""")]
    [InlineData("""{"kind":"429","deployment":"gpt-9"}""")]
    [InlineData("""{}""")]
    public async Task InvalidFaultRequests_Are400ProblemDetails(string json)
    {
        using var response = await _sim.Http.PostAsync("sim/faults", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private Task<HttpResponseMessage> Chat(string deployment) =>
        _sim.PostAsync(SimulatorHost.ChatPath(deployment), Json.ChatBody("hello"));
}
