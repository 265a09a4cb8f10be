using System.Net;
using AspireAoai.Api.Tests.Infrastructure;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Time.Testing;

namespace AspireAoai.Api.Tests.Health;

/// <summary>
/// <c>/health</c> is public and its checks read Cosmos DB and Redis: it answers from a report cached a few seconds, and
/// the liveness probe <c>/alive</c> runs no dependency check at all.
/// </summary>
public sealed class HealthEndpointTests
{
    private sealed class CountingCheck : IHealthCheck
    {
        public int Runs;

        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref Runs);
            return Task.FromResult(HealthCheckResult.Healthy());
        }
    }

    private static async Task<(GatewayHost Gateway, CountingCheck Check)> StartAsync(FakeTimeProvider clock)
    {
        var check = new CountingCheck();
        var gateway = await GatewayHost.StartAsync([new DeploymentSpec("d", new Uri("http://127.0.0.1:1/"))], configure: builder =>
        {
            builder.Services.AddSingleton<TimeProvider>(clock);
            builder.Services.AddHealthChecks().AddCheck("dependency", check, tags: ["ready"]);
        });
        return (gateway, check);
    }

    [Fact]
    public async Task Health_ManyHitsWithinFiveSeconds_RunTheDependencyChecksOnce_AndAgainOnceTheReportIsOld()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (gateway, check) = await StartAsync(clock);
        await using var _ = gateway;
        using var anonymous = new HttpClient { BaseAddress = gateway.BaseAddress };

        var hits = Enumerable.Range(0, 20).Select(_ => anonymous.GetAsync("health")).ToArray();
        foreach (var response in await Task.WhenAll(hits))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
        }

        Assert.Equal(1, check.Runs);

        clock.Advance(TimeSpan.FromSeconds(4));
        (await anonymous.GetAsync("health")).Dispose();
        Assert.Equal(1, check.Runs);

        clock.Advance(TimeSpan.FromSeconds(2));
        (await anonymous.GetAsync("health")).Dispose();
        Assert.Equal(2, check.Runs);
    }

    [Fact]
    public async Task Alive_RunsNoDependencyCheck()
    {
        var (gateway, check) = await StartAsync(new FakeTimeProvider(DateTimeOffset.UtcNow));
        await using var _ = gateway;
        using var anonymous = new HttpClient { BaseAddress = gateway.BaseAddress };

        for (var i = 0; i < 5; i++)
        {
            using var response = await anonymous.GetAsync("alive");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(0, check.Runs);
    }
}
