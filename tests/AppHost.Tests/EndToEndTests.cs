using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Azure.AI.OpenAI;
using OpenAI.Chat;

namespace AspireAoai.AppHost.Tests;

/// <summary>The whole system, started by the AppHost, answers real SDK clients through the Api.</summary>
public sealed class EndToEndTests(AppHostFixture fixture) : IClassFixture<AppHostFixture>
{
    /// <summary>The development client key from Api/appsettings.Development.json (documented in the README).</summary>
    private const string DevKey = "aoai-dev-key";

    private AzureOpenAIClient CreateAzureClient()
    {
        var endpoint = fixture.App.GetEndpoint("api", "http");
        return new AzureOpenAIClient(endpoint, new ApiKeyCredential(DevKey));
    }

    [Fact]
    public async Task ChatCompletion_ThroughTheApi_ReturnsTheSimulatorsAnswer()
    {
        var chat = CreateAzureClient().GetChatClient("gpt-4o");

        ChatCompletion completion = await chat.CompleteChatAsync(
            [new UserChatMessage("Say hello to the end-to-end test.")]);

        Assert.Equal(ChatFinishReason.Stop, completion.FinishReason);
        // The simulator's answer echoes the start of the prompt, so it proves the request went all the way through.
        Assert.Contains("Say hello", completion.Content[0].Text, StringComparison.Ordinal);
        Assert.StartsWith("gpt-4o", completion.Model, StringComparison.Ordinal);
        Assert.True(completion.Usage.InputTokenCount > 0);
        Assert.True(completion.Usage.OutputTokenCount > 0);
    }

    [Fact]
    public async Task StreamingChatCompletion_ThroughTheApi_StreamsChunksAndUsage()
    {
        var chat = CreateAzureClient().GetChatClient("gpt-4o");

        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        var updates = 0;
        await foreach (var update in chat.CompleteChatStreamingAsync(
            [new UserChatMessage("Stream something for the end-to-end test.")]))
        {
            updates++;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish ??= update.FinishReason;
        }

        Assert.True(updates > 2, $"expected several chunks, got {updates}");
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.False(string.IsNullOrWhiteSpace(text.ToString()));
    }

    [Fact]
    public async Task ChatCompletion_ByCurlShape_IsAnsweredOnTheOpenAiPath()
    {
        using var http = fixture.App.CreateHttpClient("api", "http");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(
                """{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}],"max_tokens":8}""",
                Encoding.UTF8,
                "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", DevKey);

        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(body);
        Assert.Equal("chat.completion", json.RootElement.GetProperty("object").GetString());
        Assert.True(json.RootElement.GetProperty("usage").GetProperty("total_tokens").GetInt32() > 0);
    }

    [Fact]
    public async Task ChatCompletion_IsServedByThePriorityOneRegion_AndFailsOverWhenItIsThrottled()
    {
        using var api = fixture.App.CreateHttpClient("api", "http");
        using var primary = fixture.App.CreateHttpClient("aoai-eastus", "http");

        using (var first = await SendChatAsync(api, "gpt-4o-mini"))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.Equal("eastus", Single(first, "x-ms-region"));
            Assert.Equal("eastus-gpt-4o-mini", Single(first, "x-aoai-deployment"));
        }

        // The primary region answers 429 with retry-after-ms once: the gateway cools it down and the secondary answers.
        using (var fault = await primary.PostAsync("/sim/faults", new StringContent(
            """{"kind":"429","count":1,"retryAfterMs":60000,"deployment":"gpt-4o-mini"}""", Encoding.UTF8, "application/json")))
        {
            Assert.True(fault.IsSuccessStatusCode, await fault.Content.ReadAsStringAsync());
        }

        try
        {
            for (var i = 0; i < 3; i++)
            {
                using var response = await SendChatAsync(api, "gpt-4o-mini");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                Assert.Equal("westus", Single(response, "x-ms-region"));
            }
        }
        finally
        {
            using var admin = new HttpRequestMessage(HttpMethod.Post, "/admin/deployments/eastus-gpt-4o-mini/reset");
            admin.Headers.Add("api-key", "aoai-dev-admin-key");
            using var reset = await api.SendAsync(admin);
            Assert.True(reset.IsSuccessStatusCode, $"reset answered {(int)reset.StatusCode}");
        }
    }

    private static async Task<HttpResponseMessage> SendChatAsync(HttpClient http, string model)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(
                $$"""{"model":"{{model}}","messages":[{"role":"user","content":"which region?"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("api-key", DevKey);
        return await http.SendAsync(request);
    }

    private static string Single(HttpResponseMessage response, string header) =>
        response.Headers.TryGetValues(header, out var values) ? string.Join(",", values) : "<missing>";

    [Fact]
    public async Task ChatCompletion_WithoutAKey_IsRefusedWith401InTheOpenAiErrorShape()
    {
        using var http = fixture.App.CreateHttpClient("api", "http");
        using var response = await http.PostAsync(
            "/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21",
            new StringContent("""{"messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(json.RootElement.GetProperty("error").TryGetProperty("message", out _));
    }

    [Fact]
    public async Task Worker_IsHealthy_AndConnectedToRedisAndCosmos()
    {
        using var http = fixture.App.CreateHttpClient("worker", "http");
        using var response = await http.GetAsync("/health");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync());
    }
}
