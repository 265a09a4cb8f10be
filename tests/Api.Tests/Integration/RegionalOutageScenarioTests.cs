using System.Collections.Concurrent;
using System.Net;
using AspireAoai.Api.Tests.Infrastructure;

namespace AspireAoai.Api.Tests.Integration;

/// <summary>
/// The acceptance scenario: the primary region fails (429 with retry-after-ms, then 503, then a timeout) while
/// 1,000 requests, a quarter of them streamed, go through the gateway. All succeed, none reaches the primary
/// while it cools down, and traffic returns to the primary afterwards.
/// </summary>
public sealed class RegionalOutageScenarioTests
{
    private const int Concurrency = 8;

    [Fact]
    public async Task PrimaryFailing429Then503ThenTimeout_ThousandRequestsAllSucceed_NoneReachesPrimaryWhileCooling()
    {
        await using var regions = await TwoRegions.StartAsync(
        [
            "--Gateway:Routing:DefaultCooldown=00:00:02",
            "--Gateway:Routing:AttemptTimeout=00:00:02",
            "--Gateway:Routing:StreamingAttemptTimeout=00:00:02",
        ]);
        var counter = 0;
        var results = new ConcurrentBag<Result>();

        // Phase 1: 429 with retry-after-ms.
        await OutageAsync(regions, "429", retryAfterMs: 2500, results, () => Interlocked.Increment(ref counter), 240);
        // Phase 2: 503, cooled for the default.
        await OutageAsync(regions, "503", retryAfterMs: null, results, () => Interlocked.Increment(ref counter), 240);
        // Phase 3: no answer at all; the attempt timeout cuts it.
        await OutageAsync(regions, "timeout", retryAfterMs: null, results, () => Interlocked.Increment(ref counter), 240);

        // Phase 4: the primary is back: the first request after its cool-down probes it, and once that is answered it
        // takes the traffic again (while a probe is in flight, the others would go to the secondary).
        await regions.WaitUntilHealthyAsync(TwoRegions.Primary, TimeSpan.FromSeconds(10));
        var before = await regions.West.RequestsAsync("gpt-4o");
        var probe = await SendAsync(regions, Interlocked.Increment(ref counter));
        results.Add(probe);
        Assert.Equal(HttpStatusCode.OK, probe.Status);
        Assert.Equal(TwoRegions.Primary, probe.Attempted);
        await BurstAsync(regions, 1000 - Volatile.Read(ref counter), results, () => Interlocked.Increment(ref counter), stopAt: null);
        Assert.Equal(before, await regions.West.RequestsAsync("gpt-4o"));

        Assert.Equal(1000, results.Count);
        Assert.All(results, r => Assert.Equal(HttpStatusCode.OK, r.Status));
        Assert.All(results, r => Assert.True(r.Complete, "every body complete (streams end with [DONE])"));
        Assert.Equal(250, results.Count(r => r.Stream));
    }

    /// <summary>Switches one fault on at the primary, triggers it, then bursts while the primary cools.</summary>
    private static async Task OutageAsync(TwoRegions regions, string fault, int? retryAfterMs, ConcurrentBag<Result> results, Func<int> next, int burst)
    {
        await regions.WaitUntilHealthyAsync(TwoRegions.Primary, TimeSpan.FromSeconds(10));
        await regions.East.AddFaultAsync(fault, count: 1, retryAfterMs: retryAfterMs, deployment: "gpt-4o");
        var primaryBefore = await regions.East.RequestsAsync("gpt-4o");

        // The request that meets the fault fails over to the secondary.
        var trigger = await SendAsync(regions, next());
        results.Add(trigger);
        Assert.Equal(HttpStatusCode.OK, trigger.Status);
        Assert.Equal(TwoRegions.Secondary, trigger.Attempted);
        Assert.Equal(primaryBefore + 1, await regions.East.RequestsAsync("gpt-4o"));

        var state = await regions.DeploymentStateAsync(TwoRegions.Primary);
        Assert.Equal("cooling", state.GetProperty("state").GetString());
        var coolingUntil = state.GetProperty("coolingUntil").GetDateTimeOffset();
        if (retryAfterMs is { } ms)
        {
            Assert.InRange(state.GetProperty("cooldownRemainingMs").GetInt64(), ms - 1000, ms);
        }

        // Everything sent while the primary cools goes to the secondary, and the primary sees nothing.
        var stopAt = coolingUntil - TimeSpan.FromMilliseconds(250);
        await BurstAsync(regions, burst - 1, results, next, stopAt);
        Assert.True(DateTimeOffset.UtcNow < coolingUntil, "the burst finished inside the cool-down, so the check below is meaningful");
        Assert.Equal(primaryBefore + 1, await regions.East.RequestsAsync("gpt-4o"));
    }

    private static async Task BurstAsync(TwoRegions regions, int count, ConcurrentBag<Result> results, Func<int> next, DateTimeOffset? stopAt)
    {
        var remaining = count;
        var workers = Enumerable.Range(0, Concurrency).Select(async _ =>
        {
            while (Interlocked.Decrement(ref remaining) >= 0)
            {
                if (stopAt is { } stop && DateTimeOffset.UtcNow >= stop)
                {
                    // Out of cool-down time: leave the rest to the next phase.
                    Interlocked.Increment(ref remaining);
                    return;
                }

                var result = await SendAsync(regions, next());
                results.Add(result);
                Assert.True(result.Status == HttpStatusCode.OK, $"{(int)result.Status}: {result.Error}");
                if (stopAt is not null)
                {
                    Assert.Equal(TwoRegions.Secondary, result.Attempted);
                }
                else
                {
                    Assert.Equal(TwoRegions.Primary, result.Attempted);
                }
            }
        });
        await Task.WhenAll(workers);
    }

    private static async Task<Result> SendAsync(TwoRegions regions, int n)
    {
        var stream = n % 4 == 0;
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = GatewayHost.ChatBody(stream: stream, maxTokens: 4, text: $"request {n}") };
        using var response = await regions.Gateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var body = await response.Content.ReadAsStringAsync();
        var servedBy = response.Headers.TryGetValues("x-aoai-deployment", out var v) ? v.Single() : null;
        var complete = stream ? body.Contains("data: [DONE]") : body.Contains("\"choices\"");
        return new Result(response.StatusCode, stream, servedBy, complete, response.IsSuccessStatusCode ? null : body);
    }

    private sealed record Result(HttpStatusCode Status, bool Stream, string? Attempted, bool Complete, string? Error = null);
}
