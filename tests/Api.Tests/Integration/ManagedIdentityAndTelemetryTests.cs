using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Diagnostics;
using System.Net;
using AspireAoai.Api.Telemetry;
using AspireAoai.Api.Tests.Forwarding;
using AspireAoai.Api.Tests.Infrastructure;
using AspireAoai.Api.Tests.Routing;
using Azure.Core;

namespace AspireAoai.Api.Tests.Integration;

[Collection(AspireAoai.Api.Tests.Infrastructure.GlobalListenerCollection.Name)]
public sealed class ManagedIdentityAndTelemetryTests
{
    [Fact]
    public async Task ManagedIdentityDeployment_SendsACachedBearerToken_OneFetchForManyRequests()
    {
        await using var sim = await SimulatorHost.StartAsync("eastus", "--Simulator:ApiKey=only-this-key");
        var credential = new AccessTokenCacheTests.CountingCredential(TimeProvider.System, TimeSpan.FromHours(1));
        await using var gateway = await GatewayHost.StartAsync(
            [new DeploymentSpec("eastus-gpt-4o", sim.BaseAddress, ApiKey: null)],
            configure: b => b.Services.AddSingleton<TokenCredential>(credential));

        for (var i = 0; i < 20; i++)
        {
            using var response = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody(stream: i % 2 == 0));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(1, credential.Fetches);
        Assert.Equal(["https://cognitiveservices.azure.com/.default"], credential.LastScopes!);
        var state = await gateway.Admin.GetStringAsync("admin/deployments");
        Assert.Contains("\"auth\":\"managed-identity\"", state);
    }

    [Fact]
    public async Task WrongUpstreamKey_IsADeploymentFailure_TheRequestFailsOverToAWorkingOne()
    {
        await using var sim = await SimulatorHost.StartAsync("eastus", "--Simulator:ApiKey=right-key");
        await using var gateway = await GatewayHost.StartAsync(
        [
            new DeploymentSpec("bad-key", sim.BaseAddress, ApiKey: "wrong-key", Priority: 1),
            new DeploymentSpec("good-key", sim.BaseAddress, ApiKey: "right-key", Priority: 2),
        ]);

        using var response = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("good-key", response.Headers.GetValues("x-aoai-deployment").Single());
    }

    [Fact]
    public async Task UpstreamAttempts_AreSpansByTheGenAiConventions_AndMetricsCountFailoversAndTokens()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == GatewayTelemetry.Name,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);

        var measurements = new ConcurrentBag<(string Name, double Value, Dictionary<string, object?> Tags)>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == GatewayTelemetry.Name)
                {
                    l.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((i, v, tags, _) => measurements.Add((i.Name, v, ToDictionary(tags))));
        meters.SetMeasurementEventCallback<int>((i, v, tags, _) => measurements.Add((i.Name, v, ToDictionary(tags))));
        meters.SetMeasurementEventCallback<double>((i, v, tags, _) => measurements.Add((i.Name, v, ToDictionary(tags))));
        meters.Start();

        await using var regions = await TwoRegions.StartAsync();
        await regions.East.AddFaultAsync("429", count: 1, retryAfterMs: 2000, deployment: "gpt-4o");
        using var response = await regions.Gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await regions.West.AddFaultAsync("prompt_filter", count: 1, deployment: "gpt-4o");
        using var filtered = await regions.Gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());
        Assert.Equal(HttpStatusCode.BadRequest, filtered.StatusCode);

        var mine = spans.Where(s => s.GetTagItem("server.address") is "127.0.0.1" && (s.GetTagItem("aoai.deployment") as string)?.EndsWith("gpt-4o") == true
                                    && (s.GetTagItem("aoai.client.id") as string) == "test").ToList();
        var failed = Assert.Single(mine, s => s.GetTagItem("aoai.deployment") is TwoRegions.Primary);
        Assert.Equal("429", failed.GetTagItem("error.type"));
        var ok = mine.First(s => s.GetTagItem("aoai.deployment") is TwoRegions.Secondary && s.GetTagItem("http.response.status_code") is 200);
        Assert.Equal("chat gpt-4o", ok.DisplayName);
        Assert.Equal(ActivityKind.Client, ok.Kind);
        Assert.Equal("chat", ok.GetTagItem("gen_ai.operation.name"));
        Assert.Equal("azure.ai.openai", ok.GetTagItem("gen_ai.provider.name"));
        Assert.Equal("gpt-4o", ok.GetTagItem("gen_ai.request.model"));
        Assert.Equal("gpt-4o-2024-11-20", ok.GetTagItem("gen_ai.response.model"));
        Assert.True(ok.GetTagItem("gen_ai.usage.input_tokens") is int input && input > 0);
        Assert.True(ok.GetTagItem("gen_ai.usage.output_tokens") is int output && output > 0);
        Assert.NotNull(ok.GetTagItem("gen_ai.response.finish_reasons"));

        Assert.Contains(measurements, m => m.Name == "aoai.gateway.failovers" && (string?)m.Tags["aoai.deployment.to"] == TwoRegions.Secondary);
        Assert.Contains(measurements, m => m.Name == "aoai.gateway.cooldowns" && (string?)m.Tags["aoai.deployment"] == TwoRegions.Primary);
        Assert.Contains(measurements, m => m.Name == "gen_ai.client.token.usage" && (string?)m.Tags["gen_ai.token.type"] == "output");
        Assert.Contains(measurements, m => m.Name == "gen_ai.client.operation.duration");
        Assert.Contains(measurements, m => m.Name == "aoai.gateway.upstream.attempts" && m.Value == 2);
        Assert.Contains(measurements, m => m.Name == "aoai.gateway.time_to_first_byte");
        Assert.Contains(measurements, m => m.Name == "aoai.gateway.overhead");
        Assert.Contains(measurements, m => m.Name == "aoai.gateway.content_filter.results"
            && (string?)m.Tags["aoai.content_filter.source"] == "prompt" && m.Tags["aoai.content_filter.filtered"] is true);
    }

    [Fact]
    public async Task UpstreamCall_HasTheAttemptSpanAsItsOnlyClientSpan_AndTheUpstreamContinuesItsTrace()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is GatewayTelemetry.Name or "Microsoft.AspNetCore" or "System.Net.Http",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            // Started, not stopped: the gateway's server span ends after the client has its answer.
            ActivityStarted = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);

        await using var sim = await SimulatorHost.StartAsync("eastus");
        await using var gateway = await GatewayHost.StartAsync([new DeploymentSpec("eastus-gpt-4o", sim.BaseAddress)]);
        using var response = await gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        var attempt = Assert.Single(spans, s => s.Source.Name == GatewayTelemetry.Name && (s.GetTagItem("aoai.deployment") as string) == "eastus-gpt-4o");
        var gatewayServer = Assert.Single(spans, s => s.Kind == ActivityKind.Server && s.SpanId == attempt.ParentSpanId);
        var upstreamServer = Assert.Single(spans, s => s.Kind == ActivityKind.Server && s.ParentSpanId == attempt.SpanId);
        Assert.Equal(gatewayServer.TraceId, upstreamServer.TraceId);
        Assert.Equal(ActivityKind.Client, attempt.Kind);
        Assert.DoesNotContain(spans, s => s.Source.Name == "System.Net.Http" && s.ParentSpanId == attempt.SpanId);
    }

    [Fact]
    public async Task ServerSpan_CarriesTheHttpConventionTags()
    {
        var spans = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Add,
        };
        ActivitySource.AddActivityListener(listener);

        await using var sim = await SimulatorHost.StartAsync("eastus");
        await using var gateway = await GatewayHost.StartAsync([new DeploymentSpec("eastus-gpt-4o", sim.BaseAddress)]);
        using var response = await gateway.Http.PostAsync("openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21", GatewayHost.ChatBody());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);

        // The server span ends after the client has its answer.
        Activity? span = null;
        for (var i = 0; i < 100 && span is null; i++)
        {
            span = spans.FirstOrDefault(s => s.GetTagItem("http.route") is "/openai/deployments/{deployment}/chat/completions");
            await Task.Delay(50);
        }

        Assert.NotNull(span);
        Assert.Equal(ActivityKind.Server, span.Kind);
        Assert.Equal("POST /openai/deployments/{deployment}/chat/completions", span.DisplayName);
        Assert.Equal("POST", span.GetTagItem("http.request.method"));
        Assert.Equal("/openai/deployments/gpt-4o/chat/completions", span.GetTagItem("url.path"));
        Assert.Equal(200, span.GetTagItem("http.response.status_code"));
        Assert.Equal("http", span.GetTagItem("url.scheme"));
    }

    private static Dictionary<string, object?> ToDictionary(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var result = new Dictionary<string, object?>();
        foreach (var tag in tags)
        {
            result[tag.Key] = tag.Value;
        }

        return result;
    }
}
