using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Diagnostics;
using System.Net;
using AspireAoai.Api.Telemetry;
using AspireAoai.Api.Tests.Forwarding;
using AspireAoai.Api.Tests.Infrastructure;
using AspireAoai.Api.Tests.Routing;
using AspireAoai.TestSupport;
using Azure.Core;

namespace AspireAoai.Api.Tests.Responses;

[Collection(GlobalListenerCollection.Name)]
public sealed class ResponsesTelemetryTests
{
    [Fact]
    public async Task ResponsesCreate_IsAGenAiChatSpanOfTheResponsesApi_WithUsage_AndContentFilterResultsAreCounted()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == GatewayTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);
        var filterResults = new ConcurrentBag<Dictionary<string, object?>>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == GatewayTelemetry.Name && instrument.Name == "aoai.gateway.content_filter.results")
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var d = new Dictionary<string, object?>();
            foreach (var t in tags)
            {
                d[t.Key] = t.Value;
            }

            filterResults.Add(d);
        });
        meters.Start();

        // The upstream takes only a managed identity's token: the create goes with one, as chat does.
        await using var sim = await SimulatorHost.StartAsync("eastus", "--Simulator:ApiKey=only-this-key");
        var credential = new AccessTokenCacheTests.CountingCredential(TimeProvider.System, TimeSpan.FromHours(1));
        await using var gateway = await GatewayHost.StartAsync(
            [new DeploymentSpec("mi-gpt-4o", sim.BaseAddress, ApiKey: null)],
            configure: b => b.Services.AddSingleton<TokenCredential>(credential));

        using var created = await gateway.Http.PostAsync("v1/responses", GatewayHost.Json("""{"model":"gpt-4o","input":"trace me","max_output_tokens":40}"""));
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        using var streamed = await gateway.Http.PostAsync("v1/responses", GatewayHost.Json("""{"model":"gpt-4o","input":"trace my stream","stream":true}"""));
        Assert.Equal(HttpStatusCode.OK, streamed.StatusCode);
        await streamed.Content.ReadAsStringAsync();
        var id = await ResponsesClientTests.IdAsync(created);
        using var get = await gateway.Http.GetAsync($"v1/responses/{id}");
        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(1, credential.Fetches);

        await sim.AddFaultAsync("prompt_filter", count: 1, deployment: "gpt-4o");
        using var filtered = await gateway.Http.PostAsync("v1/responses", GatewayHost.Json("""{"model":"gpt-4o","input":"filter me"}"""));
        Assert.Equal(HttpStatusCode.BadRequest, filtered.StatusCode);

        // Spans end and the filter result is counted as each response completes, which can be just after the client read it.
        bool Mine(Activity s) => (s.GetTagItem("aoai.deployment") as string) == "mi-gpt-4o" && s.GetTagItem("openai.api.type") is "responses";
        bool Ok(Activity s) => s.GetTagItem("http.response.status_code") is 200 && s.GetTagItem("gen_ai.operation.name") is "chat";
        await Eventually.TrueAsync(() => spans.Count(s => Mine(s) && Ok(s)) >= 2 && spans.Any(s => Mine(s) && s.DisplayName == "GET responses"),
            "the two creates and the get are traced");
        await Eventually.TrueAsync(
            () => filterResults.Any(t => (string?)t["aoai.content_filter.source"] == "prompt" && t["aoai.content_filter.filtered"] is true),
            "the prompt filter result is counted");

        var mine = spans.Where(Mine).ToList();
        var ok = mine.Where(Ok).ToList();
        Assert.Equal(2, ok.Count);
        Assert.All(ok, s =>
        {
            Assert.Equal("chat gpt-4o", s.DisplayName);
            Assert.Equal(ActivityKind.Client, s.Kind);
            Assert.StartsWith("resp_", (string?)s.GetTagItem("gen_ai.response.id"), StringComparison.Ordinal);
            Assert.True(s.GetTagItem("gen_ai.usage.input_tokens") is int input && input > 0);
            Assert.True(s.GetTagItem("gen_ai.usage.output_tokens") is int output && output > 0);
        });
        Assert.Contains(ok, s => s.GetTagItem("gen_ai.request.stream") is true);
        Assert.Contains(mine, s => s.DisplayName == "GET responses");
    }
}
