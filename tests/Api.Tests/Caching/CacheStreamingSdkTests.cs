using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using System.Text.Json;
using AspireAoai.Api.Caching;
using AspireAoai.Api.Tests.Infrastructure;
using AspireAoai.TestSupport;
using Azure;
using Azure.AI.OpenAI;
using OpenAI;
using OpenAI.Chat;
using static AspireAoai.Api.Tests.Caching.CachedGateway;

namespace AspireAoai.Api.Tests.Caching;

/// <summary>Streamed misses fill the cache; streamed hits are replayed as SSE that the real SDKs read.</summary>
public sealed class CacheStreamingSdkTests(CosmosFixture cosmos) : IClassFixture<CosmosFixture>
{
    private static string Unique(string what) => $"{what} {Guid.NewGuid():N}";

    private static ChatClient OpenAiChat(CachedGateway gw) =>
        new OpenAIClient(new ApiKeyCredential(GatewayHost.ClientKey), new OpenAIClientOptions
        {
            Endpoint = new Uri(gw.Gateway.BaseAddress, "openai/v1"),
            RetryPolicy = new ClientRetryPolicy(0),
        }).GetChatClient(Chat);

    private static ChatClient AzureChat(CachedGateway gw) =>
        new AzureOpenAIClient(gw.Gateway.BaseAddress, new AzureKeyCredential(GatewayHost.ClientKey),
            new AzureOpenAIClientOptions { RetryPolicy = new ClientRetryPolicy(0) }).GetChatClient(Chat);

    private static readonly ChatCompletionOptions Deterministic = new() { Temperature = 0f, MaxOutputTokenCount = 24 };

    private static async Task<(string Text, ChatFinishReason? Finish, ChatTokenUsage? Usage)> StreamAsync(ChatClient chat, string prompt)
    {
        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage(prompt)], Deterministic))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        return (text.ToString(), finish, usage);
    }

    [Fact]
    public async Task StreamedMiss_FillsTheCache_AndTheStreamedHit_IsReadByTheOpenAiSdk()
    {
        await using var gw = await StartAsync(cosmos.Server.ConnectionString);
        var chat = OpenAiChat(gw);
        var prompt = Unique("Say hello.");

        var miss = await StreamAsync(chat, prompt);
        await gw.Metrics.WaitForAsync("aoai.cache.stores", "stored", 1);
        var hit = await StreamAsync(chat, prompt);

        Assert.Equal(1, await gw.Simulator.RequestsAsync(Chat));
        Assert.Equal(1, gw.Metrics.Count("aoai.cache.hits"));
        Assert.False(string.IsNullOrEmpty(miss.Text));
        Assert.Equal(miss.Text, hit.Text);
        Assert.Equal(miss.Finish, hit.Finish);

        // OpenAI 2.15 streams with stream_options.include_usage, so the streamed miss stores its usage with the entry
        // and the non-streamed form of the request (which must carry usage) is a hit as well.
        Assert.NotNull(miss.Usage);
        Assert.Equal(miss.Usage.OutputTokenCount, hit.Usage?.OutputTokenCount);
        ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage(prompt)], Deterministic);
        Assert.Equal(1, await gw.Simulator.RequestsAsync(Chat));
        Assert.Equal(miss.Text, completion.Content[0].Text);
        Assert.Equal(miss.Usage.OutputTokenCount, completion.Usage.OutputTokenCount);

        ChatCompletion again = await chat.CompleteChatAsync([new UserChatMessage(prompt)], Deterministic);
        var streamedAgain = await StreamAsync(chat, prompt);
        Assert.Equal(1, await gw.Simulator.RequestsAsync(Chat));
        Assert.Equal(completion.Content[0].Text, again.Content[0].Text);
        Assert.Equal(completion.Usage.OutputTokenCount, again.Usage.OutputTokenCount);
        Assert.Equal(completion.Content[0].Text, streamedAgain.Text);
    }

    [Fact]
    public async Task NonStreamedMiss_ThenStreamedHit_IsReadByTheAzureOpenAiSdk()
    {
        await using var gw = await StartAsync(cosmos.Server.ConnectionString);
        var chat = AzureChat(gw);
        var prompt = Unique("Say goodbye.");

        ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage(prompt)], Deterministic);
        await gw.Metrics.WaitForAsync("aoai.cache.stores", "stored", 1);
        var hit = await StreamAsync(chat, prompt);

        Assert.Equal(1, await gw.Simulator.RequestsAsync(Chat));
        Assert.Equal(completion.Content[0].Text, hit.Text);
        Assert.Equal(completion.FinishReason, hit.Finish);
    }

    [Fact]
    public async Task StreamedHit_OnTheWire_IsAValidEventStream_WithUsageOnlyWhenAsked()
    {
        await using var gw = await StartAsync(cosmos.Server.ConnectionString);
        var prompt = Unique("Wire format.");
        var (_, original, _) = await PostAsync(gw.Http, ChatPath(), ChatJson(prompt));
        using var completion = JsonDocument.Parse(original);
        var choice = completion.RootElement.GetProperty("choices")[0];
        await gw.Metrics.WaitForAsync("aoai.cache.stores", "stored", 1);

        var (withUsage, body, _) = await PostAsync(gw.Http, ChatPath(), ChatJson(prompt, stream: true, includeUsage: true));
        var (withoutUsage, bodyWithoutUsage, _) = await PostAsync(gw.Http, ChatPath(), ChatJson(prompt, stream: true, includeUsage: false));

        Assert.Equal(HttpStatusCode.OK, withUsage.StatusCode);
        Assert.Equal(CacheStatus.Hit, CacheHeader(withUsage));
        Assert.Equal("text/event-stream", ContentType(withUsage)!.MediaType);
        var events = Events(body, out var done);
        Assert.True(done);
        Assert.Equal(choice.GetProperty("finish_reason").GetString(), events[^2].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        var content = string.Concat(events.Where(e => e.GetProperty("choices").GetArrayLength() > 0)
            .Select(e => e.GetProperty("choices")[0].GetProperty("delta").TryGetProperty("content", out var c) ? c.GetString() : ""));
        Assert.Equal(choice.GetProperty("message").GetProperty("content").GetString(), content);
        Assert.Equal(completion.RootElement.GetProperty("usage").GetRawText(), events[^1].GetProperty("usage").GetRawText());

        Assert.Equal(CacheStatus.Hit, CacheHeader(withoutUsage));
        var plain = Events(bodyWithoutUsage, out var plainDone);
        Assert.True(plainDone);
        Assert.All(plain, e => Assert.False(e.TryGetProperty("usage", out _)));
        Assert.Equal(1, await gw.Simulator.RequestsAsync(Chat));
    }

    [Fact]
    public async Task StreamedMissWithoutUsage_ServesOnlyStreamsWithoutUsage_UntilARequestWithUsageRefreshesIt()
    {
        await using var gw = await StartAsync(cosmos.Server.ConnectionString);
        var prompt = Unique("No usage.");
        var plain = ChatJson(prompt, stream: true, includeUsage: false);

        var (first, _, _) = await PostAsync(gw.Http, ChatPath(), plain);
        Assert.Equal(CacheStatus.Miss, CacheHeader(first));
        await gw.Metrics.WaitForAsync("aoai.cache.stores", "stored", 1);
        var (second, _, _) = await PostAsync(gw.Http, ChatPath(), plain);
        Assert.Equal(CacheStatus.Hit, CacheHeader(second));

        var (withUsage, _, _) = await PostAsync(gw.Http, ChatPath(), ChatJson(prompt, stream: true, includeUsage: true));
        Assert.Equal(CacheStatus.Miss, CacheHeader(withUsage));
        await gw.Metrics.WaitForAsync("aoai.cache.stores", "stored", 2);
        var (nonStreamed, body, _) = await PostAsync(gw.Http, ChatPath(), ChatJson(prompt));
        Assert.Equal(CacheStatus.Hit, CacheHeader(nonStreamed));
        using var doc = JsonDocument.Parse(body);
        Assert.True(doc.RootElement.GetProperty("usage").GetProperty("total_tokens").GetInt32() > 0);
        Assert.Equal(2, await gw.Simulator.RequestsAsync(Chat));
    }

    private static List<JsonElement> Events(byte[] body, out bool done)
    {
        var events = new List<JsonElement>();
        done = false;
        foreach (var block in Encoding.UTF8.GetString(body).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.StartsWith("data: ", block, StringComparison.Ordinal);
            if (block == "data: [DONE]")
            {
                done = true;
                continue;
            }

            events.Add(JsonDocument.Parse(block[6..]).RootElement.Clone());
        }

        return events;
    }
}
