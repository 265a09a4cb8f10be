using System.Net;
using AspireAoai.Simulator.FixedAnswer;
using AspireAoai.Simulator.Tests.Chat;
using OpenAI.Chat;

namespace AspireAoai.Simulator.Tests.FixedAnswer;

public sealed class FixedAnswerTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;

    public async Task InitializeAsync() => _sim = await SimulatorHost.StartAsync(
        ["Simulator:FixedAnswer=true", "Simulator:Latency:TimeToFirstTokenMs=5000", "Simulator:Deployments:0:Name=gpt-4o", "Simulator:Deployments:0:Rpm=1"]);

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public async Task EveryRequest_GetsTheSameSmallAnswer_WithoutLatencyOrCapacityLimits()
    {
        using var first = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("one"));
        using var second = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("two", maxTokens: 3));

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var a = await first.Content.ReadAsByteArrayAsync();
        Assert.Equal(a, await second.Content.ReadAsByteArrayAsync());
        Assert.InRange(a.Length, 300, 450);
        Assert.True(first.Headers.Contains("x-request-id"));
    }

    [Fact]
    public void TheFixedUsage_MatchesTheTokensOfTheFixedText()
    {
        Assert.Equal(FixedAnswerResponder.CompletionTokens, ChatCompletionsTests.CountO200k(FixedAnswerResponder.Text));
    }

    [Fact]
    public async Task BothClients_ParseTheFixedAnswer_StreamedAndNot()
    {
        var chat = _sim.OpenAIClient().GetChatClient("gpt-4o");

        ChatCompletion completion = await chat.CompleteChatAsync("hi");
        Assert.Equal(FixedAnswerResponder.Text, completion.Content[0].Text);
        Assert.Equal(FixedAnswerResponder.CompletionTokens, completion.Usage.OutputTokenCount);

        var text = new System.Text.StringBuilder();
        ChatTokenUsage? usage = null;
        await foreach (var update in chat.CompleteChatStreamingAsync("hi"))
        {
            text.Append(string.Concat(update.ContentUpdate.Select(p => p.Text)));
            usage ??= update.Usage;
        }

        Assert.Equal(FixedAnswerResponder.Text, text.ToString());
        Assert.Equal(FixedAnswerResponder.PromptTokens, usage?.InputTokenCount);

        ChatCompletion azure = await _sim.AzureClient().GetChatClient("gpt-4o").CompleteChatAsync("hi");
        Assert.Equal(FixedAnswerResponder.Text, azure.Content[0].Text);
    }

    [Fact]
    public async Task FaultsStillApply_InFixedAnswerMode()
    {
        using var refused = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("x"), headers: [new("x-sim-fault", "429")]);
        using var filtered = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("x"), headers: [new("x-sim-fault", "completion_filter")]);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("content_filter", (await Json.ReadAsync(filtered)).GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task BadRequests_AreStillRejected()
    {
        using var response = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), "{\"messages\":[]}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }
}
