#pragma warning disable OPENAI001 // The Responses client is marked experimental in OpenAI 2.15.
using System.ComponentModel;
using System.Text.Json;
using AspireAoai.Api.Tests.Infrastructure;
using AspireAoai.Api.Tests.Integration;
using Microsoft.Extensions.AI;

namespace AspireAoai.Api.Tests.Responses;

/// <summary>
/// The npm <c>openai</c> client's <c>responses</c> API, and Microsoft.Extensions.AI 11 over the OpenAI .NET Responses
/// client (the path Microsoft Agent Framework takes), through the gateway unchanged.
/// </summary>
public sealed class ResponsesNpmAndExtensionsAiTests : IAsyncLifetime
{
    private ResponsesGateway _env = null!;

    public async Task InitializeAsync() => _env = await ResponsesGateway.StartAsync();

    public async Task DisposeAsync() => await _env.DisposeAsync();

    [Theory]
    [InlineData("openai")]
    [InlineData("azure")]
    public async Task NpmOpenAiClient_CreatesStreamsChainsGetsAndDeletes_ThroughTheGateway(string kind)
    {
        var baseUrl = kind == "azure" ? _env.Gateway.BaseAddress.ToString().TrimEnd('/') : new Uri(_env.Gateway.BaseAddress, "v1").ToString();
        var folder = NpmClientTests.NpmFolder();
        if (!Directory.Exists(Path.Combine(folder, "node_modules", "openai")))
        {
            await NpmClientTests.RunProcessAsync("npm", ["ci", "--no-audit", "--no-fund"], folder, TimeSpan.FromMinutes(3));
        }

        var output = await NpmClientTests.RunProcessAsync("node", ["responses.mjs", kind, baseUrl, GatewayHost.ClientKey, "gpt-4o"], folder, TimeSpan.FromSeconds(60));
        using var doc = JsonDocument.Parse(output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last());
        var r = doc.RootElement;
        Assert.StartsWith("resp_", r.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(r.GetProperty("text").GetString()));
        Assert.True(r.GetProperty("usage").GetProperty("input").GetInt32() > 0);
        Assert.False(string.IsNullOrEmpty(r.GetProperty("streamed").GetString()));
        Assert.Equal("response.created", r.GetProperty("firstType").GetString());
        Assert.Equal("response.completed", r.GetProperty("lastType").GetString());
        Assert.True(r.GetProperty("streamedUsage").GetProperty("output").GetInt32() > 0);
        Assert.Equal(r.GetProperty("id").GetString(), r.GetProperty("chainedPrevious").GetString());
        Assert.Equal(r.GetProperty("chainedText").GetString(), r.GetProperty("fetchedText").GetString());
        Assert.Equal(404, r.GetProperty("missing").GetInt32());
    }

    [Fact]
    public async Task ExtensionsAiChatClient_OverTheResponsesClient_RunsAFunctionToolRoundTrip()
    {
        var calls = 0;
        [Description("Gets the weather")]
        string GetWeather(string location, string unit)
        {
            calls++;
            return $"18 {unit} and sunny in {location}";
        }

        IChatClient chat = _env.Client().AsIChatClient("gpt-4o");
        using var client = new ChatClientBuilder(chat).UseFunctionInvocation().Build();
        var response = await client.GetResponseAsync("What is the weather in Paris?",
            new ChatOptions { Tools = [AIFunctionFactory.Create(GetWeather, "get_weather")] });

        // The simulator calls the tool first, then answers in text once it has the tool's output.
        Assert.Equal(1, calls);
        Assert.False(string.IsNullOrEmpty(response.Text));
        Assert.Contains(response.Messages, m => m.Contents.OfType<FunctionCallContent>().Any(c => c.Name == "get_weather"));
        Assert.Contains(response.Messages, m => m.Contents.OfType<FunctionResultContent>().Any());
        Assert.True(response.Usage?.InputTokenCount > 0);

        // Not streamed here: Microsoft.Extensions.AI.OpenAI 11.0.0 is built against OpenAI 2.14, and its streaming call
        // fails inside the client with a MissingMethodException under OpenAI 2.15 (CreateResponseStreamingAsync changed
        // its return type), before any request is sent. The OpenAI client's own streaming is tested in ResponsesClientTests.
    }
}
