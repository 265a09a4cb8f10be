using System.ClientModel;
using System.Text;
using AspireAoai.Api.Tests.Infrastructure;
using Azure.AI.OpenAI;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;

namespace AspireAoai.Api.Tests.Integration;

/// <summary>
/// The official .NET clients work through the gateway unchanged and get the same answers as from the
/// simulator directly: Azure.AI.OpenAI 2.1.0 (api-key, deployment URLs) and OpenAI 2.1.0 (Bearer, /v1).
/// </summary>
public sealed class SdkClientTests : IAsyncLifetime
{
    private TwoRegions _regions = null!;

    public async Task InitializeAsync() => _regions = await TwoRegions.StartAsync();

    public async Task DisposeAsync() => await _regions.DisposeAsync();

    private static readonly ChatMessage[] Messages =
    [
        new SystemChatMessage("You are a test."),
        new UserChatMessage("Tell the gateway test something about regional failover"),
    ];

    private static ChatCompletionOptions Options => new() { MaxOutputTokenCount = 12 };

    [Fact]
    public async Task AzureOpenAIClient_ThroughTheGateway_MatchesTheSimulator()
    {
        var viaGateway = new AzureOpenAIClient(_regions.Gateway.BaseAddress, new ApiKeyCredential(GatewayHost.ClientKey));
        var direct = new AzureOpenAIClient(_regions.East.BaseAddress, new ApiKeyCredential("sim-key"));

        await AssertSameAnswersAsync(viaGateway.GetChatClient("gpt-4o"), direct.GetChatClient("gpt-4o"));
        await AssertSameEmbeddingsAsync(viaGateway.GetEmbeddingClient("text-embedding-3-large"), direct.GetEmbeddingClient("text-embedding-3-large"));
    }

    [Fact]
    public async Task OpenAIClient_ThroughTheGatewayV1_MatchesTheSimulator()
    {
        var viaGateway = new OpenAIClient(new ApiKeyCredential(GatewayHost.ClientKey), new OpenAIClientOptions { Endpoint = new Uri(_regions.Gateway.BaseAddress, "v1") });
        var viaOpenAiPrefix = new OpenAIClient(new ApiKeyCredential(GatewayHost.ClientKey), new OpenAIClientOptions { Endpoint = new Uri(_regions.Gateway.BaseAddress, "openai/v1") });
        var direct = new OpenAIClient(new ApiKeyCredential("sim-key"), new OpenAIClientOptions { Endpoint = new Uri(_regions.East.BaseAddress, "openai/v1") });

        await AssertSameAnswersAsync(viaGateway.GetChatClient("gpt-4o"), direct.GetChatClient("gpt-4o"));
        await AssertSameAnswersAsync(viaOpenAiPrefix.GetChatClient("gpt-4o"), direct.GetChatClient("gpt-4o"));
        await AssertSameEmbeddingsAsync(viaGateway.GetEmbeddingClient("text-embedding-3-large"), direct.GetEmbeddingClient("text-embedding-3-large"));
    }

    [Fact]
    public async Task OpenAIClient_SeesA401FromTheGateway_AsAnAuthenticationFailure()
    {
        var client = new OpenAIClient(new ApiKeyCredential("wrong"), new OpenAIClientOptions { Endpoint = new Uri(_regions.Gateway.BaseAddress, "v1") });
        var ex = await Assert.ThrowsAsync<ClientResultException>(() => client.GetChatClient("gpt-4o").CompleteChatAsync(Messages, Options));
        Assert.Equal(401, ex.Status);
        Assert.Contains("invalid_api_key", ex.Message);
    }

    [Fact]
    public async Task AzureOpenAIClient_Streaming_FailsOverBeforeTheFirstByte()
    {
        await _regions.East.AddFaultAsync("429", count: 1, retryAfterMs: 2000, deployment: "gpt-4o");
        var viaGateway = new AzureOpenAIClient(_regions.Gateway.BaseAddress, new ApiKeyCredential(GatewayHost.ClientKey));
        var direct = new AzureOpenAIClient(_regions.West.BaseAddress, new ApiKeyCredential("sim-key"));

        var (text, finish, _) = await StreamAsync(viaGateway.GetChatClient("gpt-4o"));
        var (expected, expectedFinish, _) = await StreamAsync(direct.GetChatClient("gpt-4o"));

        Assert.Equal(expected, text);
        Assert.Equal(expectedFinish, finish);
        Assert.Equal(1, await _regions.East.RequestsAsync("gpt-4o"));
    }

    private static async Task AssertSameAnswersAsync(ChatClient viaGateway, ChatClient direct)
    {
        ChatCompletion a = await viaGateway.CompleteChatAsync(Messages, Options);
        ChatCompletion b = await direct.CompleteChatAsync(Messages, Options);
        Assert.Equal(b.Content[0].Text, a.Content[0].Text);
        Assert.Equal(b.FinishReason, a.FinishReason);
        Assert.Equal(b.Usage.InputTokenCount, a.Usage.InputTokenCount);
        Assert.Equal(b.Usage.OutputTokenCount, a.Usage.OutputTokenCount);
        Assert.Equal(b.Model, a.Model);

        var (text, finish, usage) = await StreamAsync(viaGateway);
        var (expectedText, expectedFinish, expectedUsage) = await StreamAsync(direct);
        Assert.False(string.IsNullOrEmpty(text));
        Assert.Equal(expectedText, text);
        Assert.Equal(expectedFinish, finish);
        Assert.Equal(expectedUsage, usage);
    }

    private static async Task<(string Text, ChatFinishReason? Finish, (int, int)? Usage)> StreamAsync(ChatClient client)
    {
        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        (int, int)? usage = null;
        await foreach (var update in client.CompleteChatStreamingAsync(Messages, Options))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish ??= update.FinishReason;
            if (update.Usage is { } u)
            {
                usage = (u.InputTokenCount, u.OutputTokenCount);
            }
        }

        return (text.ToString(), finish, usage);
    }

    private static async Task AssertSameEmbeddingsAsync(EmbeddingClient viaGateway, EmbeddingClient direct)
    {
        OpenAIEmbedding a = await viaGateway.GenerateEmbeddingAsync("failover");
        OpenAIEmbedding b = await direct.GenerateEmbeddingAsync("failover");
        Assert.Equal(b.ToFloats().ToArray(), a.ToFloats().ToArray());
    }
}
