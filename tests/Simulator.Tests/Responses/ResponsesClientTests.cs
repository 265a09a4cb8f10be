#pragma warning disable OPENAI001 // The Responses client is marked experimental in OpenAI 2.15.
using System.ClientModel;
using System.Net;
using Microsoft.ML.Tokenizers;
using OpenAI.Responses;

namespace AspireAoai.Simulator.Tests.Responses;

/// <summary>The OpenAI .NET 2.15 Responses client, unchanged, against the simulator's v1 route.</summary>
public sealed class ResponsesClientTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;

    public async Task InitializeAsync() => _sim = await SimulatorHost.StartAsync();

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    private ResponsesClient Client() => _sim.OpenAIClient().GetResponsesClient();

    [Fact]
    public async Task Create_ReturnsACompletedResponse_WithTextAndUsageCountedLikeUpstream()
    {
        ResponseResult response = await Client().CreateResponseAsync(
            new CreateResponseOptions("gpt-4o", [ResponseItem.CreateUserMessageItem("Hello, model!")]));

        Assert.StartsWith("resp_", response.Id, StringComparison.Ordinal);
        Assert.Equal(ResponseStatus.Completed, response.Status);
        Assert.Equal("gpt-4o-2024-11-20", response.Model);
        var message = Assert.IsAssignableFrom<MessageResponseItem>(Assert.Single(response.OutputItems));
        Assert.StartsWith("msg_", message.Id, StringComparison.Ordinal);
        Assert.Equal(MessageRole.Assistant, message.Role);
        var text = response.GetOutputText();
        Assert.StartsWith("Hello, model!", text, StringComparison.Ordinal);

        // Upstream bills "Hello, model!" as 11 input tokens (3 framing + role + 4 text + 3 priming).
        Assert.Equal(11, response.Usage.InputTokenCount);
        Assert.Equal(CountO200k(text), response.Usage.OutputTokenCount);
        Assert.Equal(response.Usage.InputTokenCount + response.Usage.OutputTokenCount, response.Usage.TotalTokenCount);
        Assert.Equal(0, response.Usage.InputTokenDetails.CachedTokenCount);
        Assert.Equal(0, response.Usage.OutputTokenDetails.ReasoningTokenCount);
    }

    [Fact]
    public async Task Streaming_YieldsEveryEventInOrder_AndTheCompletedResponseCarriesUsage()
    {
        var updates = new List<StreamingResponseUpdate>();
        await foreach (var update in await Client().CreateResponseStreamingAsync(
            new CreateResponseOptions("gpt-4o", [ResponseItem.CreateUserMessageItem("Stream this please")]) { StreamingEnabled = true }))
        {
            updates.Add(update);
        }

        Assert.IsType<StreamingResponseCreatedUpdate>(updates[0]);
        Assert.IsType<StreamingResponseInProgressUpdate>(updates[1]);
        Assert.IsType<StreamingResponseOutputItemAddedUpdate>(updates[2]);
        Assert.IsType<StreamingResponseContentPartAddedUpdate>(updates[3]);
        var completed = Assert.IsType<StreamingResponseCompletedUpdate>(updates[^1]);
        Assert.IsType<StreamingResponseOutputItemDoneUpdate>(updates[^2]);
        Assert.IsType<StreamingResponseContentPartDoneUpdate>(updates[^3]);
        var done = Assert.IsType<StreamingResponseOutputTextDoneUpdate>(updates[^4]);
        var deltas = updates.OfType<StreamingResponseOutputTextDeltaUpdate>().Select(d => d.Delta).ToList();
        Assert.True(deltas.Count > 1);
        Assert.Equal(done.Text, string.Concat(deltas));
        Assert.Equal(Enumerable.Range(0, updates.Count), updates.Select(u => u.SequenceNumber));
        Assert.Equal(done.Text, completed.Response.GetOutputText());
        Assert.Equal(CountO200k(done.Text), completed.Response.Usage.OutputTokenCount);
        Assert.True(completed.Response.Usage.InputTokenCount > 0);
    }

    [Fact]
    public async Task PreviousResponseId_ChainsTheConversation_AndBillsTheEarlierTurnsAsInput()
    {
        var client = Client();
        ResponseResult first = await client.CreateResponseAsync(new CreateResponseOptions("gpt-4o", [ResponseItem.CreateUserMessageItem("My name is Ada.")]));
        ResponseResult second = await client.CreateResponseAsync(new CreateResponseOptions("gpt-4o", [ResponseItem.CreateUserMessageItem("What is my name?")])
        {
            PreviousResponseId = first.Id,
        });

        Assert.Equal(first.Id, second.PreviousResponseId);
        var alone = 3 + (3 + CountO200k("user") + CountO200k("What is my name?"));
        var earlier = (3 + CountO200k("user") + CountO200k("My name is Ada.")) + (3 + CountO200k("assistant") + CountO200k(first.GetOutputText()));
        Assert.Equal(alone + earlier, second.Usage.InputTokenCount);

        var items = new List<ResponseItem>();
        await foreach (var item in client.GetResponseInputItemsAsync(new ResponseItemCollectionOptions(second.Id)))
        {
            items.Add(item);
        }

        // Newest first, as upstream lists them: this turn's input, the first answer, the first input.
        Assert.Equal(3, items.Count);
        Assert.Equal("What is my name?", InputText(items[0]));
        Assert.Equal(first.OutputItems[0].Id, items[1].Id);
        Assert.Equal("My name is Ada.", InputText(items[2]));
    }

    [Fact]
    public async Task GetAndDelete_FindTheStoredResponse_ThenAnswer404()
    {
        var client = Client();
        ResponseResult created = await client.CreateResponseAsync(new CreateResponseOptions("gpt-4o-mini", [ResponseItem.CreateUserMessageItem("Keep me")]));

        ResponseResult fetched = await client.GetResponseAsync(created.Id);
        Assert.Equal(created.Id, fetched.Id);
        Assert.Equal(created.GetOutputText(), fetched.GetOutputText());
        Assert.Equal(created.Usage.TotalTokenCount, fetched.Usage.TotalTokenCount);

        ResponseDeletionResult deleted = await client.DeleteResponseAsync(created.Id);
        Assert.True(deleted.Deleted);
        Assert.Equal(created.Id, deleted.ResponseId);

        var gone = await Assert.ThrowsAsync<ClientResultException>(() => client.GetResponseAsync(created.Id));
        Assert.Equal((int)HttpStatusCode.NotFound, gone.Status);
        Assert.Contains($"Response with id '{created.Id}' not found.", gone.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FunctionTools_GetACallToTheFirstTool_ThenTextAfterItsOutput()
    {
        var client = Client();
        var tool = ResponseTool.CreateFunctionTool("get_weather",
            BinaryData.FromString("""{"type":"object","properties":{"location":{"type":"string"},"unit":{"type":"string","enum":["C","F"]}},"required":["location","unit"]}"""),
            strictModeEnabled: false, functionDescription: "Gets the weather");
        var options = new CreateResponseOptions("gpt-4o", [ResponseItem.CreateUserMessageItem("What is the weather in Paris?")]);
        options.Tools.Add(tool);

        ResponseResult first = await client.CreateResponseAsync(options);
        var call = Assert.IsType<FunctionCallResponseItem>(Assert.Single(first.OutputItems));
        Assert.Equal("get_weather", call.FunctionName);
        Assert.StartsWith("call_", call.CallId, StringComparison.Ordinal);
        Assert.StartsWith("fc_", call.Id, StringComparison.Ordinal);
        Assert.Equal("""{"location":"value","unit":"C"}""", call.FunctionArguments.ToString());

        var followUp = new CreateResponseOptions("gpt-4o", [ResponseItem.CreateFunctionCallOutputItem(call.CallId, "18 C and sunny")])
        {
            PreviousResponseId = first.Id,
        };
        followUp.Tools.Add(tool);
        ResponseResult second = await client.CreateResponseAsync(followUp);

        Assert.IsAssignableFrom<MessageResponseItem>(Assert.Single(second.OutputItems));
        Assert.False(string.IsNullOrEmpty(second.GetOutputText()));
    }

    [Fact]
    public async Task UnknownIds_Get404_AndAnUnknownPreviousResponseIdGets400()
    {
        var client = Client();

        var get = await Assert.ThrowsAsync<ClientResultException>(() => client.GetResponseAsync("resp_nope"));
        Assert.Equal(404, get.Status);
        var delete = await Assert.ThrowsAsync<ClientResultException>(() => client.DeleteResponseAsync("resp_nope"));
        Assert.Equal(404, delete.Status);

        var chained = await Assert.ThrowsAsync<ClientResultException>(() => client.CreateResponseAsync(
            new CreateResponseOptions("gpt-4o", [ResponseItem.CreateUserMessageItem("hi")]) { PreviousResponseId = "resp_nope" }));
        Assert.Equal(400, chained.Status);
        Assert.Contains("Previous response with id 'resp_nope' not found.", chained.Message, StringComparison.Ordinal);
    }

    private static string InputText(ResponseItem item) =>
        Assert.Single(Assert.IsAssignableFrom<MessageResponseItem>(item).Content).Text;

    private static int CountO200k(string text) => TiktokenTokenizer.CreateForEncoding("o200k_base").CountTokens(text);
}
