using System.Net;
using System.Text.Json;

namespace AspireAoai.Simulator.Tests.Responses;

/// <summary>The Responses wire format byte by byte: routes, event order, replay, input items and bad input.</summary>
public sealed class ResponsesWireTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;

    public async Task InitializeAsync() => _sim = await SimulatorHost.StartAsync();

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public async Task TextStream_SendsEveryEventInUpstreamOrder_NumberedFromZero()
    {
        using var response = await _sim.PostAsync(ResponsesWire.V1Path, ResponsesWire.Body("Tell me a story", stream: true));
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = ResponsesWire.Events(await response.Content.ReadAsStringAsync());

        var names = events.Select(e => e.Name).ToList();
        var deltas = names.Count(n => n == "response.output_text.delta");
        Assert.True(deltas > 1);
        string[] expected =
        [
            "response.created", "response.in_progress", "response.output_item.added", "response.content_part.added",
            .. Enumerable.Repeat("response.output_text.delta", deltas),
            "response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed",
        ];
        Assert.Equal(expected, names);
        Assert.Equal(Enumerable.Range(0, events.Count), events.Select(e => e.Data.GetProperty("sequence_number").GetInt32()));

        Assert.Equal("in_progress", events[0].Data.GetProperty("response").GetProperty("status").GetString());
        Assert.Equal(JsonValueKind.Null, events[0].Data.GetProperty("response").GetProperty("usage").ValueKind);
        var final = events[^1].Data.GetProperty("response");
        Assert.Equal("completed", final.GetProperty("status").GetString());
        var usage = final.GetProperty("usage");
        Assert.Equal(usage.GetProperty("input_tokens").GetInt32() + usage.GetProperty("output_tokens").GetInt32(), usage.GetProperty("total_tokens").GetInt32());
        Assert.Equal(0, usage.GetProperty("input_tokens_details").GetProperty("cached_tokens").GetInt32());
        Assert.Equal(0, usage.GetProperty("output_tokens_details").GetProperty("reasoning_tokens").GetInt32());
        var text = string.Concat(events.Where(e => e.Name == "response.output_text.delta").Select(e => e.Data.GetProperty("delta").GetString()));
        Assert.Equal(text, final.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task FunctionCallStream_SendsArgumentDeltas_ThenDone_ThenTheItem()
    {
        var tools = new[] { new { type = "function", name = "lookup", parameters = new { type = "object", properties = new { id = new { type = "integer" } }, required = new[] { "id" } } } };
        using var response = await _sim.PostAsync(ResponsesWire.V1Path, ResponsesWire.Body("Find 7", stream: true, extra: new { tools }));
        var events = ResponsesWire.Events(await response.Content.ReadAsStringAsync());

        var names = events.Select(e => e.Name).ToList();
        var deltas = names.Count(n => n == "response.function_call_arguments.delta");
        string[] expected =
        [
            "response.created", "response.in_progress", "response.output_item.added",
            .. Enumerable.Repeat("response.function_call_arguments.delta", deltas),
            "response.function_call_arguments.done", "response.output_item.done", "response.completed",
        ];
        Assert.Equal(expected, names);
        Assert.Equal("", events[2].Data.GetProperty("item").GetProperty("arguments").GetString());
        Assert.Equal("""{"id":1}""", events[^3].Data.GetProperty("arguments").GetString());
        Assert.Equal("""{"id":1}""", string.Concat(events.Where(e => e.Name == "response.function_call_arguments.delta").Select(e => e.Data.GetProperty("delta").GetString())));
        var item = events[^1].Data.GetProperty("response").GetProperty("output")[0];
        Assert.Equal("function_call", item.GetProperty("type").GetString());
        Assert.Equal("lookup", item.GetProperty("name").GetString());
    }

    [Fact]
    public async Task APrettyPrintedRequest_IsEchoedCompactly_SoEveryEventStaysOnOneDataLine()
    {
        var body = JsonSerializer.Serialize(new
        {
            model = "gpt-4o",
            input = new object[] { new { role = "user", content = new[] { new { type = "input_text", text = "Weather?" } } } },
            tools = new[] { new { type = "function", name = "get_weather", parameters = new { type = "object", properties = new { city = new { type = "string" } } } } },
            metadata = new { team = "a" },
            stream = true,
        }, new JsonSerializerOptions { WriteIndented = true });

        using var response = await _sim.PostAsync(ResponsesWire.V1Path, body);
        var events = ResponsesWire.Events(await response.Content.ReadAsStringAsync());

        Assert.Equal("response.completed", events[^1].Name);
        var echoed = events[^1].Data.GetProperty("response");
        Assert.Equal("get_weather", echoed.GetProperty("tools")[0].GetProperty("name").GetString());
        Assert.Equal("a", echoed.GetProperty("metadata").GetProperty("team").GetString());
    }

    [Fact]
    public async Task GetWithStream_ReplaysTheSameEvents_AfterStartingAfter()
    {
        using var created = await _sim.PostAsync(ResponsesWire.V1Path, ResponsesWire.Body("Replay me later", stream: true));
        var live = ResponsesWire.Events(await created.Content.ReadAsStringAsync());
        var id = live[0].Data.GetProperty("response").GetProperty("id").GetString();

        using var replay = await Get($"openai/v1/responses/{id}?stream=true&starting_after=3");
        var replayed = ResponsesWire.Events(await replay.Content.ReadAsStringAsync());

        Assert.Equal(live.Skip(4).Select(e => e.Data.GetRawText()), replayed.Select(e => e.Data.GetRawText()));
        Assert.Equal(4, replayed[0].Data.GetProperty("sequence_number").GetInt32());
    }

    [Fact]
    public async Task DatedRoute_AnswersFrom2025_03_01_Preview_AndIsNotFoundForOlderOrMissingVersions()
    {
        using var dated = await _sim.PostAsync(ResponsesWire.DatedPath(), ResponsesWire.Body("hi"));
        using var later = await _sim.PostAsync(ResponsesWire.DatedPath("2025-04-01-preview"), ResponsesWire.Body("hi"));
        using var older = await _sim.PostAsync(ResponsesWire.DatedPath("2024-10-21"), ResponsesWire.Body("hi"));
        using var missing = await _sim.PostAsync(ResponsesWire.DatedPath(null), ResponsesWire.Body("hi"));
        using var noKey = await _sim.PostAsync(ResponsesWire.V1Path, ResponsesWire.Body("hi"), apiKey: null);

        Assert.Equal(HttpStatusCode.OK, dated.StatusCode);
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        var id = (await Json.ReadAsync(dated)).GetProperty("id").GetString();
        using var fetched = await Get($"openai/responses/{id}?api-version={ResponsesWire.DatedVersion}");
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        foreach (var notFound in new[] { older, missing })
        {
            Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
            Assert.Equal("404", ResponsesWire.Error(await Json.ReadAsync(notFound)).GetProperty("code").GetString());
        }

        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
    }

    [Theory]
    [InlineData("""{"model":"gpt-4o","input":42}""", "input", "invalid_type")]
    [InlineData("""{"model":"gpt-4o"}""", "input", "missing_required_parameter")]
    [InlineData("""{"model":"gpt-4o","input":[{"role":"robot","content":"x"}]}""", "input[0].role", "invalid_value")]
    [InlineData("""{"model":"gpt-4o","input":[{"type":"function_call_output","output":"x"}]}""", "input[0].call_id", "missing_required_parameter")]
    [InlineData("""{"model":"gpt-4o","input":["x"]}""", "input[0]", "invalid_type")]
    [InlineData("""{"model":"gpt-4o","input":"x","max_output_tokens":5}""", "max_output_tokens", "integer_below_min_value")]
    [InlineData("""{"model":"gpt-4o","input":"x","temperature":"hot"}""", "temperature", "invalid_type")]
    [InlineData("""{"model":"gpt-4o","input":"x","stream":"yes"}""", "stream", "invalid_type")]
    [InlineData("""{"model":"gpt-4o","input":"x","tools":[{"type":"function"}]}""", "tools[0].name", "missing_required_parameter")]
    [InlineData("""{"input":"x"}""", "model", "missing_required_parameter")]
    public async Task MalformedCreates_Get400_InTheOpenAiErrorShape(string body, string param, string code)
    {
        using var response = await _sim.PostAsync(ResponsesWire.V1Path, body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = ResponsesWire.Error(await Json.ReadAsync(response));
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task NotJson_Gets400_AndAnUnknownIdGets404OnEveryRoute()
    {
        using var notJson = await _sim.PostAsync(ResponsesWire.V1Path, "{not json");
        Assert.Equal(HttpStatusCode.BadRequest, notJson.StatusCode);

        foreach (var (method, path) in new[]
        {
            (HttpMethod.Get, "openai/v1/responses/resp_missing"),
            (HttpMethod.Delete, "openai/v1/responses/resp_missing"),
            (HttpMethod.Post, "openai/v1/responses/resp_missing/cancel"),
            (HttpMethod.Get, "openai/v1/responses/resp_missing/input_items"),
        })
        {
            using var response = await Send(method, path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            var error = ResponsesWire.Error(await Json.ReadAsync(response));
            Assert.Equal("Response with id 'resp_missing' not found.", error.GetProperty("message").GetString());
            Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
            Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
        }
    }

    [Fact]
    public async Task InputItems_PageNewestFirst_WithLimitAfterAndOrder()
    {
        var input = new object[]
        {
            new { role = "user", content = "one" },
            new { role = "assistant", content = "two" },
            new { role = "user", content = new[] { new { type = "input_text", text = "three" } } },
        };
        using var created = await _sim.PostAsync(ResponsesWire.V1Path, JsonSerializer.Serialize(new { model = "gpt-4o", input }));
        var id = (await Json.ReadAsync(created)).GetProperty("id").GetString();

        var first = await Json.ReadAsync(await Get($"openai/v1/responses/{id}/input_items?limit=2"));
        Assert.Equal("list", first.GetProperty("object").GetString());
        Assert.True(first.GetProperty("has_more").GetBoolean());
        Assert.Equal(["three", "two"], Texts(first));
        Assert.Equal("output_text", first.GetProperty("data")[1].GetProperty("content")[0].GetProperty("type").GetString());
        Assert.Equal(first.GetProperty("data")[1].GetProperty("id").GetString(), first.GetProperty("last_id").GetString());

        var next = await Json.ReadAsync(await Get($"openai/v1/responses/{id}/input_items?limit=2&after={first.GetProperty("last_id").GetString()}"));
        Assert.False(next.GetProperty("has_more").GetBoolean());
        Assert.Equal(["one"], Texts(next));

        var ascending = await Json.ReadAsync(await Get($"openai/v1/responses/{id}/input_items?order=asc"));
        Assert.Equal(["one", "two", "three"], Texts(ascending));
    }

    [Fact]
    public async Task StoreFalse_IsNeitherRetrievableNorChainable()
    {
        using var created = await _sim.PostAsync(ResponsesWire.V1Path, ResponsesWire.Body("forget me", extra: new { store = false }));
        var body = await Json.ReadAsync(created);
        var id = body.GetProperty("id").GetString();
        Assert.False(body.GetProperty("store").GetBoolean());

        using var get = await Get($"openai/v1/responses/{id}");
        using var chained = await _sim.PostAsync(ResponsesWire.V1Path, ResponsesWire.Body("again", extra: new { previous_response_id = id }));

        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, chained.StatusCode);
        Assert.Equal("previous_response_not_found", ResponsesWire.Error(await Json.ReadAsync(chained)).GetProperty("code").GetString());
    }

    private static IEnumerable<string?> Texts(JsonElement list) =>
        list.GetProperty("data").EnumerateArray().Select(i => i.GetProperty("content")[0].GetProperty("text").GetString()).ToList();

    private Task<HttpResponseMessage> Get(string path) => Send(HttpMethod.Get, path);

    private Task<HttpResponseMessage> Send(HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("api-key", "test-key");
        return _sim.Http.SendAsync(request);
    }
}
