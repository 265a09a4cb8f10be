#pragma warning disable OPENAI001 // The Responses client is marked experimental in OpenAI 2.15.
using System.ClientModel;
using System.Net;
using System.Text.Json;
using AspireAoai.Api.Tests.Infrastructure;
using OpenAI.Responses;

namespace AspireAoai.Api.Tests.Responses;

/// <summary>The OpenAI .NET 2.15 Responses client, unchanged, through the gateway to the simulators.</summary>
public sealed class ResponsesClientTests : IAsyncLifetime
{
    private ResponsesGateway _env = null!;

    public async Task InitializeAsync() => _env = await ResponsesGateway.StartAsync();

    public async Task DisposeAsync() => await _env.DisposeAsync();

    [Fact]
    public async Task OpenAiDotNetClient_CreatesStreamsChainsGetsListsAndDeletes_ThroughTheGateway()
    {
        var client = _env.Client();
        ResponseResult first = await client.CreateResponseAsync(new CreateResponseOptions("gpt-4o", [ResponseItem.CreateUserMessageItem("My name is Ada.")]));
        Assert.StartsWith("resp_", first.Id, StringComparison.Ordinal);
        Assert.Equal(ResponseStatus.Completed, first.Status);
        Assert.False(string.IsNullOrEmpty(first.GetOutputText()));
        Assert.True(first.Usage.InputTokenCount > 0 && first.Usage.OutputTokenCount > 0);

        var updates = new List<StreamingResponseUpdate>();
        await foreach (var update in await client.CreateResponseStreamingAsync(
            new CreateResponseOptions("gpt-4o", [ResponseItem.CreateUserMessageItem("Stream this please")]) { StreamingEnabled = true }))
        {
            updates.Add(update);
        }

        Assert.IsType<StreamingResponseCreatedUpdate>(updates[0]);
        var completed = Assert.IsType<StreamingResponseCompletedUpdate>(updates[^1]);
        var deltas = string.Concat(updates.OfType<StreamingResponseOutputTextDeltaUpdate>().Select(d => d.Delta));
        Assert.Equal(completed.Response.GetOutputText(), deltas);
        Assert.Equal(Enumerable.Range(0, updates.Count), updates.Select(u => u.SequenceNumber));

        ResponseResult second = await client.CreateResponseAsync(new CreateResponseOptions("gpt-4o", [ResponseItem.CreateUserMessageItem("What is my name?")])
        {
            PreviousResponseId = first.Id,
        });
        Assert.Equal(first.Id, second.PreviousResponseId);
        Assert.True(second.Usage.InputTokenCount > first.Usage.InputTokenCount, "the earlier turn is billed as input");

        ResponseResult fetched = await client.GetResponseAsync(second.Id);
        Assert.Equal(second.Id, fetched.Id);
        Assert.Equal(second.GetOutputText(), fetched.GetOutputText());

        var items = new List<ResponseItem>();
        await foreach (var item in client.GetResponseInputItemsAsync(new ResponseItemCollectionOptions(second.Id)))
        {
            items.Add(item);
        }

        Assert.Equal(3, items.Count);

        ResponseDeletionResult deleted = await client.DeleteResponseAsync(second.Id);
        Assert.True(deleted.Deleted);
        var gone = await Assert.ThrowsAsync<ClientResultException>(() => client.GetResponseAsync(second.Id));
        Assert.Equal(404, gone.Status);
    }

    [Fact]
    public async Task FollowUpTurn_LandsOnTheDeploymentThatMadeTheFirst_WhileAHigherPriorityOneIsHealthy()
    {
        var regions = _env.Regions;
        // The first turn is made by the secondary: the primary fails it once (before any byte), so it fails over.
        await regions.East.AddFaultAsync("503", count: 1, deployment: "gpt-4o");
        var client = _env.Client();
        ResponseResult first = await client.CreateResponseAsync(new CreateResponseOptions("gpt-4o", [ResponseItem.CreateUserMessageItem("Remember me.")]));
        Assert.Equal(1, await regions.West.RequestsAsync("gpt-4o"));
        await regions.WaitUntilHealthyAsync(TwoRegions.Primary, TimeSpan.FromSeconds(10));

        // The primary is healthy and preferred, yet every follow-up goes where the response lives.
        var eastBefore = await regions.East.RequestsAsync("gpt-4o");
        ResponseResult second = await client.CreateResponseAsync(new CreateResponseOptions("gpt-4o", [ResponseItem.CreateUserMessageItem("Who am I?")])
        {
            PreviousResponseId = first.Id,
        });
        await client.GetResponseAsync(second.Id);
        await foreach (var unused in client.GetResponseInputItemsAsync(new ResponseItemCollectionOptions(second.Id)))
        {
        }

        await client.DeleteResponseAsync(first.Id);
        Assert.Equal(eastBefore, await regions.East.RequestsAsync("gpt-4o"));
        Assert.Equal(first.Id, second.PreviousResponseId);

        // A new conversation goes to the primary again.
        using var fresh = await _env.Gateway.Http.PostAsync("v1/responses", GatewayHost.Json("""{"model":"gpt-4o","input":"new topic"}"""));
        Assert.Equal(HttpStatusCode.OK, fresh.StatusCode);
        Assert.Equal(TwoRegions.Primary, fresh.Headers.GetValues("x-aoai-deployment").Single());
    }

    [Fact]
    public async Task FollowUp_WhenItsDeploymentIsCooling_Gets503WithRetryAfter_AndIsNotSentElsewhere()
    {
        var regions = _env.Regions;
        using var created = await _env.Gateway.Http.PostAsync("v1/responses", GatewayHost.Json("""{"model":"gpt-4o","input":"hello"}"""));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        Assert.Equal(TwoRegions.Primary, created.Headers.GetValues("x-aoai-deployment").Single());
        var id = await IdAsync(created);

        await regions.East.AddFaultAsync("429", count: 1, retryAfterMs: 5000, deployment: "gpt-4o");
        var westBefore = await regions.West.RequestsAsync("gpt-4o");
        using var chained = await _env.Gateway.Http.PostAsync("v1/responses", GatewayHost.Json($$"""{"model":"gpt-4o","input":"again","previous_response_id":"{{id}}"}"""));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, chained.StatusCode);
        Assert.True(chained.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal("deployment_unavailable", await CodeAsync(chained));

        // While it cools, a get is answered the same way, before reaching any upstream.
        using var get = await _env.Gateway.Http.GetAsync($"v1/responses/{id}");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, get.StatusCode);
        Assert.NotNull(get.Headers.RetryAfter);
        Assert.Equal(westBefore, await regions.West.RequestsAsync("gpt-4o"));
    }

    [Fact]
    public async Task StreamedReplayOfAStoredResponse_IsRelayedFromStartingAfter_AndCostsNothing()
    {
        using var created = await _env.Gateway.Http.PostAsync("openai/responses?api-version=2025-04-01-preview",
            GatewayHost.Json("""{"model":"gpt-4o","input":"replay me"}"""));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var id = await IdAsync(created);

        using var replay = await _env.Gateway.Http.GetAsync($"openai/responses/{id}?api-version=2025-04-01-preview&stream=true&starting_after=2");
        Assert.Equal(HttpStatusCode.OK, replay.StatusCode);
        Assert.Equal("text/event-stream", replay.Content.Headers.ContentType?.MediaType);
        Assert.Equal("0", replay.Headers.GetValues(AspireAoai.Api.Usage.CostHeaders.Cost).Single());
        var data = (await replay.Content.ReadAsStringAsync()).Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l[6..]).RootElement).ToList();
        Assert.Equal(3, data[0].GetProperty("sequence_number").GetInt32());
        Assert.Equal("response.completed", data[^1].GetProperty("type").GetString());
    }

    [Fact]
    public async Task ResponseOwner_IsKeptInRedisForTheRetention_AndAStatelessCreateIsNotKept()
    {
        using var created = await _env.Gateway.Http.PostAsync("v1/responses", GatewayHost.Json("""{"model":"gpt-4o","input":"keep me"}"""));
        var id = await IdAsync(created);
        using var redis = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(_env.Redis.ConnectionString);
        var db = redis.GetDatabase();
        Assert.Equal(TwoRegions.Primary + "\ntest", (string?)await db.StringGetAsync("aoai:resp:" + id));
        var ttl = await db.KeyTimeToLiveAsync("aoai:resp:" + id);
        Assert.InRange(ttl!.Value, TimeSpan.FromDays(30) - TimeSpan.FromMinutes(1), TimeSpan.FromDays(30));

        using var stateless = await _env.Gateway.Http.PostAsync("v1/responses", GatewayHost.Json("""{"model":"gpt-4o","input":"forget me","store":false}"""));
        var statelessId = await IdAsync(stateless);
        Assert.False(await db.KeyExistsAsync("aoai:resp:" + statelessId));
        var eastBefore = await _env.Regions.East.RequestsAsync("gpt-4o");
        using var get = await _env.Gateway.Http.GetAsync($"v1/responses/{statelessId}");
        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal(eastBefore, await _env.Regions.East.RequestsAsync("gpt-4o"));
    }

    [Fact]
    public async Task StatelessCreate_FailsOverWhenThePrimaryAnswers429()
    {
        await _env.Regions.East.AddFaultAsync("429", count: 1, retryAfterMs: 2000, deployment: "gpt-4o");
        using var response = await _env.Gateway.Http.PostAsync("v1/responses",
            GatewayHost.Json("""{"model":"gpt-4o","input":"no state","store":false}"""));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(TwoRegions.Secondary, response.Headers.GetValues("x-aoai-deployment").Single());
        Assert.Equal(1, await _env.Regions.West.RequestsAsync("gpt-4o"));
    }

    [Fact]
    public async Task AnotherClientsResponseId_IsAnsweredAsUnknown()
    {
        // The limited client may use gpt-4o-mini; the response is the test client's.
        using var created = await _env.Gateway.Http.PostAsync("v1/responses", GatewayHost.Json("""{"model":"gpt-4o-mini","input":"mine"}"""));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        var id = await IdAsync(created);

        var other = _env.Client(GatewayHost.LimitedClientKey);
        var get = await Assert.ThrowsAsync<ClientResultException>(() => other.GetResponseAsync(id));
        Assert.Equal(404, get.Status);
        var delete = await Assert.ThrowsAsync<ClientResultException>(() => other.DeleteResponseAsync(id));
        Assert.Equal(404, delete.Status);
        var chain = await Assert.ThrowsAsync<ClientResultException>(() => other.CreateResponseAsync(
            new CreateResponseOptions("gpt-4o-mini", [ResponseItem.CreateUserMessageItem("hi")]) { PreviousResponseId = id }));
        Assert.Equal(400, chain.Status);
        Assert.Contains("previous_response_not_found", chain.Message, StringComparison.Ordinal);

        // The owner still has it.
        ResponseResult mine = await _env.Client().GetResponseAsync(id);
        Assert.Equal(id, mine.Id);
    }

    [Theory]
    [InlineData("GET", "v1/responses/resp_unknown")]
    [InlineData("DELETE", "openai/v1/responses/resp_unknown")]
    [InlineData("POST", "v1/responses/resp_unknown/cancel")]
    [InlineData("GET", "v1/responses/resp_unknown/input_items")]
    [InlineData("GET", "openai/responses/resp_unknown?api-version=2025-04-01-preview")]
    public async Task UnknownResponseId_Gets404InTheOpenAiShape(string method, string path)
    {
        using var response = await _env.Gateway.Http.SendAsync(new HttpRequestMessage(new HttpMethod(method), path));
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("not_found", await CodeAsync(response));
    }

    [Theory]
    [InlineData("""{"model":"gpt-4o","input":42}""", "input")]
    [InlineData("""{"model":"gpt-4o","input":[1,2]}""", "input")]
    [InlineData("""{"model":"gpt-4o","input":"x","max_output_tokens":"many"}""", "max_output_tokens")]
    [InlineData("""{"model":"gpt-4o","input":"x","store":"no"}""", "store")]
    [InlineData("""{"model":"gpt-4o","input":"x","background":true}""", "background")]
    [InlineData("""{"input":"x"}""", "model")]
    [InlineData("""{"model":"gpt-4o","input":"x","max_output_tokens":500}""", "max_output_tokens")] // more than a 2 s attempt generates
    public async Task MalformedCreate_Gets400NamingTheParameter(string json, string param)
    {
        using var response = await _env.Gateway.Http.PostAsync("v1/responses", GatewayHost.Json(json));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(param, body.RootElement.GetProperty("error").GetProperty("param").GetString());
        Assert.Equal("invalid_request_error", body.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("openai/responses", HttpStatusCode.BadRequest)]
    [InlineData("openai/responses?api-version=2024-10-21", HttpStatusCode.BadRequest)]
    [InlineData("openai/responses?api-version=2025-03-01-preview", HttpStatusCode.OK)]
    [InlineData("openai/v1/responses", HttpStatusCode.OK)]
    [InlineData("v1/responses", HttpStatusCode.OK)]
    public async Task EveryPathStyle_Creates_AndTheDatedOneNeedsARecentApiVersion(string path, HttpStatusCode expected)
    {
        using var response = await _env.Gateway.Http.PostAsync(path, GatewayHost.Json("""{"model":"gpt-4o","input":"hello"}"""));
        Assert.Equal(expected, response.StatusCode);
        if (expected == HttpStatusCode.BadRequest)
        {
            Assert.Contains("api-version", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ModelRoutes_ListAndFindTheCatalogsModels_ForTheClientsAllowedModels()
    {
        var http = _env.Gateway.Http;
        using (var list = JsonDocument.Parse(await http.GetStringAsync("openai/models")))
        {
            Assert.Contains("gpt-4o", list.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        }

        using (var one = JsonDocument.Parse(await http.GetStringAsync("v1/models/gpt-4o")))
        {
            Assert.Equal("gpt-4o", one.RootElement.GetProperty("id").GetString());
            Assert.Equal("model", one.RootElement.GetProperty("object").GetString());
        }

        using var unknown = await http.GetAsync("v1/models/gpt-nope");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("model_not_found", await CodeAsync(unknown));

        using var limited = new HttpClient { BaseAddress = _env.Gateway.BaseAddress };
        limited.DefaultRequestHeaders.Add("api-key", GatewayHost.LimitedClientKey);
        using var notAllowed = await limited.GetAsync("openai/v1/models/gpt-4o");
        Assert.Equal(HttpStatusCode.NotFound, notAllowed.StatusCode);
        using var noKey = new HttpClient { BaseAddress = _env.Gateway.BaseAddress };
        using var anonymous = await noKey.GetAsync("v1/models/gpt-4o");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        using var anonymousGet = await noKey.GetAsync("v1/responses/resp_1");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymousGet.StatusCode);
    }

    internal static async Task<string> IdAsync(HttpResponseMessage response)
    {
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("id").GetString()!;
    }

    private static async Task<string?> CodeAsync(HttpResponseMessage response)
    {
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return body.RootElement.GetProperty("error").GetProperty("code").GetString();
    }
}
