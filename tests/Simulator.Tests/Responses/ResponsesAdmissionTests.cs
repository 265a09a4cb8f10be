using System.Net;
using System.Text.Json;

namespace AspireAoai.Simulator.Tests.Responses;

/// <summary>Capacity limits, injected faults and the stats apply to Responses creates as they do to chat.</summary>
public sealed class ResponsesAdmissionTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;

    public async Task InitializeAsync() => _sim = await SimulatorHost.StartAsync();

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public async Task OverTheTokenLimit_ACreateGets429_WithRetryAfterMsAndRetryAfter()
    {
        await using var sim = await SimulatorHost.StartAsync(["Simulator:Deployments:0:Name=gpt-4o", "Simulator:Deployments:0:Tpm=100"]);

        using var first = await sim.PostAsync(ResponsesWire.V1Path, ResponsesWire.Body("hi", extra: new { max_output_tokens = 80 }));
        using var second = await sim.PostAsync(ResponsesWire.V1Path, ResponsesWire.Body("hi", extra: new { max_output_tokens = 80 }));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        Assert.True(long.Parse(Assert.Single(second.Headers.GetValues("retry-after-ms"))) > 0);
        Assert.True(int.Parse(Assert.Single(second.Headers.GetValues("retry-after"))) >= 1);
        var error = ResponsesWire.Error(await Json.ReadAsync(second));
        Assert.Equal("429", error.GetProperty("code").GetString());
        Assert.Contains("Responses_Create", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("429", HttpStatusCode.TooManyRequests, "429")]
    [InlineData("500", HttpStatusCode.InternalServerError, "InternalServerError")]
    [InlineData("503", HttpStatusCode.ServiceUnavailable, "ServiceUnavailable")]
    [InlineData("prompt_filter", HttpStatusCode.BadRequest, "content_filter")]
    public async Task FailingFaults_AnswerACreateAsTheyAnswerChat(string kind, HttpStatusCode status, string code)
    {
        using var response = await _sim.PostAsync(ResponsesWire.V1Path, ResponsesWire.Body("hi"),
            headers: [new("x-sim-fault", kind), new("x-sim-retry-after-ms", "2500")]);

        Assert.Equal(status, response.StatusCode);
        Assert.Equal(code, ResponsesWire.Error(await Json.ReadAsync(response)).GetProperty("code").GetString());
        if (status == HttpStatusCode.TooManyRequests)
        {
            Assert.Equal("2500", Assert.Single(response.Headers.GetValues("retry-after-ms")));
            Assert.Equal("3", Assert.Single(response.Headers.GetValues("retry-after")));
        }
    }

    [Fact]
    public async Task CompletionFilter_CutsTheText_AndMarksTheResponseIncomplete()
    {
        using var clean = await _sim.PostAsync(ResponsesWire.V1Path, ResponsesWire.Body("Say something long"));
        using var filtered = await _sim.PostAsync(ResponsesWire.V1Path, ResponsesWire.Body("Say something long"),
            headers: [new("x-sim-fault", "completion_filter")]);
        using var streamed = await _sim.PostAsync(ResponsesWire.V1Path, ResponsesWire.Body("Say something long", stream: true),
            headers: [new("x-sim-fault", "completion_filter")]);

        var whole = Text(await Json.ReadAsync(clean));
        var body = await Json.ReadAsync(filtered);
        Assert.Equal("incomplete", body.GetProperty("status").GetString());
        Assert.Equal("content_filter", body.GetProperty("incomplete_details").GetProperty("reason").GetString());
        Assert.Equal("incomplete", body.GetProperty("output")[0].GetProperty("status").GetString());
        Assert.True(Text(body).Length < whole.Length);
        Assert.StartsWith(Text(body), whole, StringComparison.Ordinal);

        var events = ResponsesWire.Events(await streamed.Content.ReadAsStringAsync());
        Assert.Equal("response.incomplete", events[^1].Name);
    }

    [Fact]
    public async Task CutFault_EndsTheStreamHalfway_WithoutATerminalEvent()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, ResponsesWire.V1Path)
        {
            Content = new StringContent(ResponsesWire.Body("Cut me off somewhere", stream: true), System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("api-key", "test-key");
        request.Headers.Add("x-sim-fault", "cut");
        using var response = await _sim.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);

        var received = await ReadUntilCutAsync(response);

        Assert.Contains("response.output_text.delta", received, StringComparison.Ordinal);
        Assert.DoesNotContain("response.completed", received, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TimeoutFault_HoldsTheCreateUntilTheClientGivesUp()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            _sim.PostAsync(ResponsesWire.V1Path, ResponsesWire.Body("hi"), headers: [new("x-sim-fault", "timeout")], cancellationToken: cancel.Token));
    }

    [Fact]
    public async Task Stats_CountResponsesRequestsAndTokens_AsTheUsageSays()
    {
        using var plain = await _sim.PostAsync(ResponsesWire.V1Path, ResponsesWire.Body("count me", model: "gpt-4o-mini"));
        using var streamed = await _sim.PostAsync(ResponsesWire.V1Path, ResponsesWire.Body("count me too", model: "gpt-4o-mini", stream: true));

        var first = (await Json.ReadAsync(plain)).GetProperty("usage");
        var second = ResponsesWire.Events(await streamed.Content.ReadAsStringAsync())[^1].Data.GetProperty("response").GetProperty("usage");
        var stats = (await _sim.StatsAsync()).GetProperty("deployments").GetProperty("gpt-4o-mini");

        Assert.Equal(2, stats.GetProperty("requests").GetInt64());
        Assert.Equal(2, stats.GetProperty("statusCodes").GetProperty("200").GetInt64());
        Assert.Equal(first.GetProperty("input_tokens").GetInt32() + second.GetProperty("input_tokens").GetInt32(), stats.GetProperty("promptTokens").GetInt64());
        Assert.Equal(first.GetProperty("output_tokens").GetInt32() + second.GetProperty("output_tokens").GetInt32(), stats.GetProperty("completionTokens").GetInt64());
    }

    [Fact]
    public async Task AChainWithALongPrefix_ReportsCachedTokens_InStepsOf128()
    {
        var longText = string.Join(' ', Enumerable.Repeat("simulator", 1200));
        using var first = await _sim.PostAsync(ResponsesWire.V1Path, ResponsesWire.Body(longText));
        var firstBody = await Json.ReadAsync(first);
        using var second = await _sim.PostAsync(ResponsesWire.V1Path,
            ResponsesWire.Body("and then?", extra: new { previous_response_id = firstBody.GetProperty("id").GetString() }));

        var usage = (await Json.ReadAsync(second)).GetProperty("usage");
        var cached = usage.GetProperty("input_tokens_details").GetProperty("cached_tokens").GetInt32();
        Assert.Equal(0, firstBody.GetProperty("usage").GetProperty("input_tokens_details").GetProperty("cached_tokens").GetInt32());
        Assert.True(cached >= 1024, $"cached {cached}");
        Assert.Equal(0, cached % 128);
        Assert.True(cached > firstBody.GetProperty("usage").GetProperty("input_tokens").GetInt32() - 128);
        Assert.True(cached < usage.GetProperty("input_tokens").GetInt32());
    }

    private static string Text(JsonElement response) =>
        response.GetProperty("output")[0].GetProperty("content")[0].GetProperty("text").GetString()!;

    private static async Task<string> ReadUntilCutAsync(HttpResponseMessage response)
    {
        using var stream = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(stream);
        var received = new System.Text.StringBuilder();
        try
        {
            while (await reader.ReadLineAsync() is { } line)
            {
                received.AppendLine(line);
            }
        }
        catch (IOException)
        {
            // The cut: what arrived before it is what the test looks at.
        }
        catch (HttpRequestException)
        {
        }

        return received.ToString();
    }
}
