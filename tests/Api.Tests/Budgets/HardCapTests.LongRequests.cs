using System.Net;
using AspireAoai.Api.Budgets;
using AspireAoai.Api.Tests.Infrastructure;

namespace AspireAoai.Api.Tests.Budgets;

/// <summary>A request that would outlive its reservation: ended first, and charged, so the budget still holds.</summary>
public sealed partial class HardCapTests
{
    [Fact]
    public async Task AStreamThatWouldOutliveItsReservation_IsEndedBeforeTheReservationExpires_AndCharged()
    {
        // A second per token: 300 tokens would take five minutes, far past a 20 s reservation.
        await using var slow = await SimulatorHost.StartAsync("eastus", "--Simulator:Latency:PerTokenMs=1000");
        var timeout = TimeSpan.FromSeconds(20);
        await using var gateway = await GatewayHost.StartAsync([new DeploymentSpec("eastus-gpt-4o", slow.BaseAddress)],
            [$"--ConnectionStrings:redis={_redis.ConnectionString}", "--Gateway:RateLimits:RedisTimeout=00:00:05",
             "--Gateway:Clients:0:Budget:DailyUsd=0.03", $"--Gateway:Budgets:ReservationTimeout={timeout}"]);
        await gateway.WithRateLimiterConnectedAsync();
        using var client = new HttpClient { BaseAddress = gateway.BaseAddress, Timeout = TimeSpan.FromMinutes(1) };
        client.DefaultRequestHeaders.Add("api-key", GatewayHost.ClientKey);

        var started = DateTime.UtcNow;
        using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = LongStream(0) },
            HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var body = await response.Content.ReadAsStreamAsync();
        var buffer = new byte[4096];
        var ended = false;
        try
        {
            while (await body.ReadAsync(buffer) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            ended = true; // the gateway ended it: the connection was aborted mid-stream
        }

        var lasted = DateTime.UtcNow - started;
        Assert.True(ended, $"the stream ended on its own after {lasted}, not by the gateway");
        Assert.True(lasted < timeout, $"the stream lasted {lasted}, past its {timeout} reservation");

        // Settled while the reservation still counted: nothing reserved remains, and what was relayed is charged.
        var spent = await SettledSpendAsync(SpendKeys.Day("test", DateTime.UtcNow), "aoai:resv:test");
        Assert.True(spent > 0, "the ended stream was not charged");
        Assert.True(spent <= 30_000_000_000, $"spent {spent} picodollars of a $0.03 budget");
        Assert.Equal(timeout - ReservationDeadline.Margin(timeout), gateway.Services.GetRequiredService<ReservationDeadline>().After);
    }
}
