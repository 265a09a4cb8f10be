using System.Net;
using System.Text.Json;
using Azure.AI.OpenAI.Chat;
using Microsoft.ML.Tokenizers;
using OpenAI.Chat;

namespace AspireAoai.Simulator.Tests.Chat;

public sealed class ChatCompletionsTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;

    public async Task InitializeAsync() => _sim = await SimulatorHost.StartAsync();

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public async Task AzureClient_ParsesNonStreamedAnswer_WithUsageAndFilterResults()
    {
        var chat = _sim.AzureClient().GetChatClient("gpt-4o");

        ChatCompletion completion = await chat.CompleteChatAsync(
            [new SystemChatMessage("You are terse."), new UserChatMessage("Tell me about the simulator")],
            new ChatCompletionOptions { MaxOutputTokenCount = 100 });

        Assert.Equal("gpt-4o-2024-11-20", completion.Model);
        Assert.StartsWith("chatcmpl-", completion.Id, StringComparison.Ordinal);
        Assert.StartsWith("fp_", completion.SystemFingerprint, StringComparison.Ordinal);
        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        Assert.Equal(ChatMessageRole.Assistant, completion.Role);
        var text = Assert.Single(completion.Content).Text;
        Assert.StartsWith("Tell me about the simulator", text, StringComparison.Ordinal);
        Assert.Equal(CountO200k(text), completion.Usage.OutputTokenCount);
        Assert.InRange(completion.Usage.OutputTokenCount, 1, 40);
        Assert.Equal(completion.Usage.InputTokenCount + completion.Usage.OutputTokenCount, completion.Usage.TotalTokenCount);
        Assert.Equal(0, completion.Usage.InputTokenDetails.CachedTokenCount);
        Assert.Equal(0, completion.Usage.OutputTokenDetails.ReasoningTokenCount);

#pragma warning disable AOAI001 // The content-filter accessors are marked experimental in 2.1.0.
        var promptFilter = completion.GetRequestContentFilterResult();
        Assert.False(promptFilter.Violence.Filtered);
        var responseFilter = completion.GetResponseContentFilterResult();
        Assert.False(responseFilter.Hate.Filtered);
#pragma warning restore AOAI001
    }

    [Fact]
    public async Task PromptTokens_FollowTheCookbookCount_WithO200kForGpt4oAndCl100kOtherwise()
    {
        const string system = "You are a helpful assistant.";
        const string user = "How many tokens does this sentence have, counted exactly?";
        var expectedO200k = 3 + (3 + Count("o200k_base", "system") + Count("o200k_base", system)) + (3 + Count("o200k_base", "user") + Count("o200k_base", user));

        using var response = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody(user));
        var body = await Json.ReadAsync(response);

        Assert.Equal(expectedO200k, body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());

        await using var other = await SimulatorHost.StartAsync([
            "Simulator:Deployments:0:Name=gpt-35", "Simulator:Deployments:0:Model=gpt-35-turbo-0125"]);
        using var response35 = await other.PostAsync(SimulatorHost.ChatPath("gpt-35"), Json.ChatBody(user));
        var body35 = await Json.ReadAsync(response35);
        var expectedCl100k = 3 + (3 + Count("cl100k_base", "system") + Count("cl100k_base", system)) + (3 + Count("cl100k_base", "user") + Count("cl100k_base", user));
        Assert.Equal(expectedCl100k, body35.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        var text = body35.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
        Assert.Equal(Count("cl100k_base", text), body35.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task SameMessagesAndMaxTokens_GiveByteIdenticalAnswers_ApartFromIdAndCreated()
    {
        var first = await RawAnswerAsync(Json.ChatBody("Determinism please", maxTokens: 30));
        var second = await RawAnswerAsync(Json.ChatBody("Determinism please", maxTokens: 30));
        var otherMessage = await RawAnswerAsync(Json.ChatBody("Something else entirely", maxTokens: 30));
        var otherMax = await RawAnswerAsync(Json.ChatBody("Determinism please", maxTokens: 7));

        Assert.Equal(first, second);
        Assert.NotEqual(first, otherMessage);
        Assert.NotEqual(first, otherMax);
    }

    [Fact]
    public async Task MaxTokens_CutsTheAnswer_WithFinishReasonLength()
    {
        using var response = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("Count to a hundred", maxTokens: 3));
        var body = await Json.ReadAsync(response);

        var choice = body.GetProperty("choices")[0];
        Assert.Equal("length", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(3, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal(3, CountO200k(choice.GetProperty("message").GetProperty("content").GetString()!));
    }

    [Fact]
    public async Task MaxCompletionTokens_IsHonouredLikeMaxTokens()
    {
        var json = """{"messages":[{"role":"user","content":"Hello"}],"max_completion_tokens":2}""";
        using var response = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), json);
        var body = await Json.ReadAsync(response);

        Assert.Equal(2, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task N_ReturnsThatManyChoices_AndUsageCountsAllOfThem()
    {
        using var response = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("Give me options", n: 3));
        var body = await Json.ReadAsync(response);

        var choices = body.GetProperty("choices").EnumerateArray().ToList();
        Assert.Equal([0, 1, 2], choices.Select(c => c.GetProperty("index").GetInt32()));
        var total = choices.Sum(c => CountO200k(c.GetProperty("message").GetProperty("content").GetString()!));
        Assert.Equal(total, body.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
    }

    [Fact]
    public async Task OpenAIClient_OnV1Route_ParsesAnswer_WithModelNamingTheDeployment()
    {
        var chat = _sim.OpenAIClient().GetChatClient("gpt-4o-mini");

        ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage("Hello from v1")]);

        Assert.Equal("gpt-4o-mini-2024-07-18", completion.Model);
        Assert.StartsWith("Hello from v1", completion.Content[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AzureClient_Streams_ContentThatMatchesTheNonStreamedAnswer_AndUsageWhenAsked()
    {
        var chat = _sim.AzureClient().GetChatClient("gpt-4o");
        ChatMessage[] messages = [new UserChatMessage("Stream this please")];
        ChatCompletion whole = await chat.CompleteChatAsync(messages);

        var text = new System.Text.StringBuilder();
        ChatFinishReason? finish = null;
        var updates = 0;
        await foreach (var update in chat.CompleteChatStreamingAsync(messages, new ChatCompletionOptions()))
        {
            updates++;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish ??= update.FinishReason;
        }

        Assert.Equal(whole.Content[0].Text, text.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.True(updates > 3);
    }

    [Fact]
    public async Task OpenAIClient_Streams_WithUsageInTheLastUpdate()
    {
        var chat = _sim.OpenAIClient().GetChatClient("gpt-4o");
        ChatMessage[] messages = [new UserChatMessage("Usage in a stream")];
        ChatCompletion whole = await chat.CompleteChatAsync(messages);

        var text = new System.Text.StringBuilder();
        ChatTokenUsage? usage = null;
        await foreach (var update in chat.CompleteChatStreamingAsync(messages))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage ??= update.Usage;
        }

        Assert.Equal(whole.Content[0].Text, text.ToString());
        Assert.NotNull(usage);
        Assert.Equal(whole.Usage.InputTokenCount, usage.InputTokenCount);
        Assert.Equal(whole.Usage.OutputTokenCount, usage.OutputTokenCount);
    }

    [Fact]
    public async Task RawStream_HasAzureEventOrder_PromptFilterRoleDeltasFinishUsageDone()
    {
        using var response = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"),
            Json.ChatBody("Raw stream", maxTokens: 4, stream: true, includeUsage: true));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = Json.SseEvents(await response.Content.ReadAsStringAsync(), out var done);
        Assert.True(done);

        var first = events[0];
        Assert.Empty(first.GetProperty("choices").EnumerateArray());
        Assert.Equal(0, first.GetProperty("prompt_filter_results")[0].GetProperty("prompt_index").GetInt32());

        var role = events[1];
        Assert.Equal("chat.completion.chunk", role.GetProperty("object").GetString());
        Assert.Equal("assistant", role.GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());

        var usageChunk = events[^1];
        Assert.Empty(usageChunk.GetProperty("choices").EnumerateArray());
        var usage = usageChunk.GetProperty("usage");
        Assert.Equal(4, usage.GetProperty("completion_tokens").GetInt32());

        var finish = events[^2].GetProperty("choices")[0];
        Assert.Equal("length", finish.GetProperty("finish_reason").GetString());

        var deltas = events.Skip(2).Take(events.Count - 4).Select(e =>
        {
            Assert.Equal(JsonValueKind.Null, e.GetProperty("usage").ValueKind);
            return e.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString();
        });
        Assert.Equal(4, CountO200k(string.Concat(deltas)));
        Assert.All(events.Skip(1), e => Assert.Equal(events[1].GetProperty("id").GetString(), e.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task RawStream_WithoutIncludeUsage_HasNoUsageChunk()
    {
        using var response = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("No usage", stream: true));
        var events = Json.SseEvents(await response.Content.ReadAsStringAsync(), out var done);

        Assert.True(done);
        Assert.All(events, e => Assert.False(e.TryGetProperty("usage", out _)));
        Assert.NotEqual(JsonValueKind.Null, events[^1].GetProperty("choices")[0].GetProperty("finish_reason").ValueKind);
    }

    [Fact]
    public async Task MissingApiVersion_Is404ResourceNotFound()
    {
        using var response = await _sim.PostAsync("openai/deployments/gpt-4o/chat/completions", Json.ChatBody("hi"));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("404", (await Json.ReadAsync(response)).GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task UnknownDeployment_Is404DeploymentNotFound_OnBothRoutes()
    {
        using var versioned = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-9"), Json.ChatBody("hi"));
        using var v1 = await _sim.PostAsync("openai/v1/chat/completions", Json.ChatBody("hi", model: "gpt-9"));

        foreach (var response in new[] { versioned, v1 })
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            var error = (await Json.ReadAsync(response)).GetProperty("error");
            Assert.Equal("DeploymentNotFound", error.GetProperty("code").GetString());
            Assert.Contains("does not exist", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task UnknownOpenAiPath_Is404InAzureShape()
    {
        using var response = await _sim.PostAsync("openai/deployments/gpt-4o/completions?api-version=2024-10-21", "{}");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("Resource not found", (await Json.ReadAsync(response)).GetProperty("error").GetProperty("message").GetString());
        Assert.True(response.Headers.Contains("x-request-id"));
    }

    [Fact]
    public async Task TheResourceRoot_Is404InAzureShape_WithABody()
    {
        // The gateway's warm-up sends GET / to every upstream and counts on a body to keep each connection busy until
        // all its requests are sent.
        using var response = await _sim.Http.GetAsync("/");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("404", (await Json.ReadAsync(response)).GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task ChatOnAnEmbeddingsDeployment_Is400OperationNotSupported()
    {
        using var response = await _sim.PostAsync(SimulatorHost.ChatPath("text-embedding-3-large"), Json.ChatBody("hi"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("OperationNotSupported", (await Json.ReadAsync(response)).GetProperty("error").GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("{not json", null)]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]} trailing", null)]
    [InlineData("[]", null)]
    [InlineData("{}", "messages")]
    [InlineData("{\"messages\":[]}", "messages")]
    [InlineData("{\"messages\":\"hi\"}", "messages")]
    [InlineData("{\"messages\":[{\"content\":\"hi\"}]}", "messages[0].role")]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":42}]}", "messages[0].content")]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":0}", "max_tokens")]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":\"ten\"}", "max_tokens")]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"n\":0}", "n")]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":\"yes\"}", "stream")]
    public async Task MalformedRequests_Are400InOpenAiErrorShape(string json, string? param)
    {
        using var response = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), json);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await Json.ReadAsync(response)).GetProperty("error");
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.True(error.TryGetProperty("code", out _));
        Assert.Equal(param, error.GetProperty("param").GetString());
    }

    [Fact]
    public async Task V1RouteWithoutModel_Is400()
    {
        using var response = await _sim.PostAsync("openai/v1/chat/completions", Json.ChatBody("hi"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("model", (await Json.ReadAsync(response)).GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task ContentAsArrayOfParts_IsCountedAndEchoed()
    {
        var json = """{"messages":[{"role":"user","content":[{"type":"text","text":"Parts work"},{"type":"image_url","image_url":{"url":"http://x"}}]}]}""";
        using var response = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), json);
        var body = await Json.ReadAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("Parts work", body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), StringComparison.Ordinal);
        Assert.Equal(3 + 3 + CountO200k("user") + CountO200k("Parts work"), body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task EveryAnswer_CarriesRequestIds()
    {
        using var ok = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("ids"));
        using var notFound = await _sim.PostAsync(SimulatorHost.ChatPath("nope"), Json.ChatBody("ids"));

        foreach (var response in new[] { ok, notFound })
        {
            var id = Assert.Single(response.Headers.GetValues("x-request-id"));
            Assert.True(Guid.TryParse(id, out _));
            Assert.Equal(id, Assert.Single(response.Headers.GetValues("apim-request-id")));
        }

        Assert.Equal("599", Assert.Single(ok.Headers.GetValues("x-ratelimit-remaining-requests")));
        Assert.Equal("600", Assert.Single(ok.Headers.GetValues("x-ratelimit-limit-requests")));
        Assert.Equal("100000", Assert.Single(ok.Headers.GetValues("x-ratelimit-limit-tokens")));
        Assert.True(int.Parse(Assert.Single(ok.Headers.GetValues("x-ratelimit-remaining-tokens"))) < 100000);
    }

    private async Task<string> RawAnswerAsync(string json)
    {
        using var response = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), json);
        var text = await response.Content.ReadAsStringAsync();
        var body = JsonDocument.Parse(text).RootElement;
        return text
            .Replace(body.GetProperty("id").GetString()!, "ID", StringComparison.Ordinal)
            .Replace("\"created\":" + body.GetProperty("created").GetInt64(), "\"created\":0", StringComparison.Ordinal);
    }

    internal static int CountO200k(string text) => Count("o200k_base", text);

    internal static int Count(string encoding, string text) => Tokenizers.GetOrAdd(encoding, static e => TiktokenTokenizer.CreateForEncoding(e)).CountTokens(text);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Tokenizer> Tokenizers = new();
}
