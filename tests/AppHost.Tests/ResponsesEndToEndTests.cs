#pragma warning disable OPENAI001 // The Responses client is marked experimental in OpenAI 2.15.
using System.ClientModel;
using OpenAI;
using OpenAI.Responses;

namespace AspireAoai.AppHost.Tests;

/// <summary>The Responses API through the Api the AppHost starts (as <c>./scripts/run.sh</c> runs it), with the OpenAI .NET client.</summary>
public sealed class ResponsesEndToEndTests(AppHostFixture fixture) : IClassFixture<AppHostFixture>
{
    [Fact]
    public async Task ResponsesClient_CreatesChainsGetsAndDeletes_ThroughTheApi()
    {
        var endpoint = new Uri(fixture.App.GetEndpoint("api", "http"), "v1");
        var client = new OpenAIClient(new ApiKeyCredential("aoai-dev-key"), new OpenAIClientOptions { Endpoint = endpoint }).GetResponsesClient();

        ResponseResult first = await client.CreateResponseAsync(new CreateResponseOptions("gpt-4o", [ResponseItem.CreateUserMessageItem("My name is Ada.")]));
        ResponseResult second = await client.CreateResponseAsync(new CreateResponseOptions("gpt-4o", [ResponseItem.CreateUserMessageItem("What is my name?")])
        {
            PreviousResponseId = first.Id,
        });
        Assert.Equal(first.Id, second.PreviousResponseId);
        Assert.True(second.Usage.InputTokenCount > first.Usage.InputTokenCount);

        ResponseResult fetched = await client.GetResponseAsync(second.Id);
        Assert.Equal(second.GetOutputText(), fetched.GetOutputText());

        var streamed = 0;
        await foreach (var update in await client.CreateResponseStreamingAsync(
            new CreateResponseOptions("gpt-4o", [ResponseItem.CreateUserMessageItem("Stream it")]) { StreamingEnabled = true }))
        {
            streamed += update is StreamingResponseOutputTextDeltaUpdate ? 1 : 0;
        }

        Assert.True(streamed > 1);
        ResponseDeletionResult deleted = await client.DeleteResponseAsync(first.Id);
        Assert.True(deleted.Deleted);
        var gone = await Assert.ThrowsAsync<ClientResultException>(() => client.GetResponseAsync(first.Id));
        Assert.Equal(404, gone.Status);
    }
}
