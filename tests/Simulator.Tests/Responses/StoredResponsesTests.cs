using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AspireAoai.Simulator.Tests.Responses;

/// <summary>What the simulator keeps: background responses and their cancel, retention and the size bound.</summary>
public sealed class StoredResponsesTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));

    private Task<SimulatorHost> StartAsync(params string[] settings) =>
        SimulatorHost.StartAsync(settings, b => b.Services.AddSingleton<TimeProvider>(_clock));

    [Fact]
    public async Task ABackgroundResponse_IsQueuedUntilGenerated_AndCanBeCancelledOnlyBeforeThen()
    {
        await using var sim = await StartAsync("Simulator:Latency:TimeToFirstTokenMs=60000");

        var queued = await Json.ReadAsync(await sim.PostAsync(ResponsesWire.V1Path, ResponsesWire.Body("later", extra: new { background = true })));
        var kept = await Json.ReadAsync(await sim.PostAsync(ResponsesWire.V1Path, ResponsesWire.Body("later too", extra: new { background = true })));
        Assert.Equal("queued", queued.GetProperty("status").GetString());
        Assert.Equal(0, queued.GetProperty("output").GetArrayLength());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, queued.GetProperty("usage").ValueKind);

        using var cancelled = await Send(sim, HttpMethod.Post, $"openai/v1/responses/{queued.GetProperty("id").GetString()}/cancel");
        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("cancelled", (await Json.ReadAsync(cancelled)).GetProperty("status").GetString());

        _clock.Advance(TimeSpan.FromSeconds(61));
        var keptId = kept.GetProperty("id").GetString();
        var done = await Json.ReadAsync(await Send(sim, HttpMethod.Get, $"openai/v1/responses/{keptId}"));
        Assert.Equal("completed", done.GetProperty("status").GetString());
        Assert.True(done.GetProperty("usage").GetProperty("output_tokens").GetInt32() > 0);

        using var tooLate = await Send(sim, HttpMethod.Post, $"openai/v1/responses/{keptId}/cancel");
        Assert.Equal(HttpStatusCode.BadRequest, tooLate.StatusCode);
        Assert.Equal("Cannot cancel a completed response.", ResponsesWire.Error(await Json.ReadAsync(tooLate)).GetProperty("message").GetString());
    }

    [Fact]
    public async Task CancellingAResponseThatWasNotInTheBackground_Is400()
    {
        await using var sim = await StartAsync();
        var created = await Json.ReadAsync(await sim.PostAsync(ResponsesWire.V1Path, ResponsesWire.Body("now")));

        using var cancel = await Send(sim, HttpMethod.Post, $"openai/v1/responses/{created.GetProperty("id").GetString()}/cancel");

        Assert.Equal(HttpStatusCode.BadRequest, cancel.StatusCode);
        Assert.Equal("invalid_request_error", ResponsesWire.Error(await Json.ReadAsync(cancel)).GetProperty("type").GetString());
    }

    [Fact]
    public async Task AStoredResponse_ExpiresAfterTheRetention()
    {
        await using var sim = await StartAsync("Simulator:Responses:RetentionDays=30");
        var id = (await Json.ReadAsync(await sim.PostAsync(ResponsesWire.V1Path, ResponsesWire.Body("keep")))).GetProperty("id").GetString();

        _clock.Advance(TimeSpan.FromDays(29));
        using var kept = await Send(sim, HttpMethod.Get, $"openai/v1/responses/{id}");
        _clock.Advance(TimeSpan.FromDays(2));
        using var expired = await Send(sim, HttpMethod.Get, $"openai/v1/responses/{id}");

        Assert.Equal(HttpStatusCode.OK, kept.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, expired.StatusCode);
    }

    [Fact]
    public async Task TheStore_DropsTheLeastRecentlyUsed_BeyondItsBound()
    {
        await using var sim = await StartAsync("Simulator:Responses:MaxStored=2");
        var ids = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            ids.Add((await Json.ReadAsync(await sim.PostAsync(ResponsesWire.V1Path, ResponsesWire.Body("n" + i)))).GetProperty("id").GetString()!);
        }

        (await Send(sim, HttpMethod.Get, $"openai/v1/responses/{ids[0]}")).Dispose();
        ids.Add((await Json.ReadAsync(await sim.PostAsync(ResponsesWire.V1Path, ResponsesWire.Body("n2")))).GetProperty("id").GetString()!);

        Assert.Equal(HttpStatusCode.OK, (await Send(sim, HttpMethod.Get, $"openai/v1/responses/{ids[0]}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await Send(sim, HttpMethod.Get, $"openai/v1/responses/{ids[1]}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send(sim, HttpMethod.Get, $"openai/v1/responses/{ids[2]}")).StatusCode);
    }

    [Fact]
    public async Task ABadStoreSetting_StopsTheStart_NamingTheKey()
    {
        var failure = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync("Simulator:Responses:MaxStored=0"));

        Assert.Contains("MaxStored", failure.Message, StringComparison.Ordinal);
    }

    private static Task<HttpResponseMessage> Send(SimulatorHost sim, HttpMethod method, string path)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("api-key", "test-key");
        return sim.Http.SendAsync(request);
    }
}
