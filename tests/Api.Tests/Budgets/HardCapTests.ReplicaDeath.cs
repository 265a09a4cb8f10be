using System.Net;
using AspireAoai.Api.Auth;
using AspireAoai.Api.Budgets;
using AspireAoai.Api.Tests.Infrastructure;

namespace AspireAoai.Api.Tests.Budgets;

/// <summary>What a replica that dies with requests in flight leaves behind: a real Api process, SIGKILLed.</summary>
public sealed partial class HardCapTests
{
    [Fact]
    public async Task AReplicaSigkilledWithStreamsInFlight_LeavesTheBudgetUsableAgain_WithinTheReservationTimeout()
    {
        // A slow upstream (a second per token): streams of 300 tokens stay in flight for minutes.
        await using var slow = await SimulatorHost.StartAsync("eastus", "--Simulator:Latency:PerTokenMs=1000");
        // 20 s: the doomed replica would end its streams itself 10 s after admission (ReservationDeadline), well after the kill.
        const string Timeout = "00:00:20";
        var settings = new Dictionary<string, string>
        {
            ["ConnectionStrings:redis"] = _redis.ConnectionString,
            ["Gateway:Clients:0:Id"] = "test",
            ["Gateway:Clients:0:KeyHash"] = KeyHasher.HashHex(GatewayHost.ClientKey),
            ["Gateway:Clients:0:Budget:DailyUsd"] = "0.017",
            ["Gateway:Budgets:ReservationTimeout"] = Timeout,
            ["Gateway:Deployments:0:Name"] = "eastus-gpt-4o",
            ["Gateway:Deployments:0:Endpoint"] = slow.BaseAddress.ToString(),
            ["Gateway:Deployments:0:Deployment"] = "gpt-4o",
            ["Gateway:Deployments:0:Model"] = "gpt-4o",
            ["Gateway:Deployments:0:Region"] = "eastus",
            ["Gateway:Deployments:0:Priority"] = "1",
            ["Gateway:Deployments:0:ApiKey"] = "sim-key",
        };
        using var doomed = await ApiProcess.StartAsync(settings);
        await using var survivor = await StartGatewayAsync("--Gateway:Clients:0:Budget:DailyUsd=0.017", $"--Gateway:Budgets:ReservationTimeout={Timeout}");

        // Two streams in flight on the doomed replica hold two worst cases (2,000 prompt tokens at $2.50/M and 300 output
        // tokens at $10/M: $0.008 each) of the $0.017; a third does not fit.
        using var client = new HttpClient { BaseAddress = doomed.BaseAddress, Timeout = TimeSpan.FromMinutes(5) };
        client.DefaultRequestHeaders.Add("api-key", GatewayHost.ClientKey);
        var streams = new List<HttpResponseMessage>();
        for (var i = 0; i < 2; i++)
        {
            var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = LongStream(i) },
                HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            streams.Add(response);
        }

        using (var third = await client.PostAsync("v1/chat/completions", LongStream(2)))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        }

        using (var refused = await PostAsync(survivor, GatewayHost.ClientKey))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        }

        var killedAt = DateTime.UtcNow;
        doomed.KillHard();
        foreach (var s in streams) s.Dispose();

        // Usable again once the reservations expire: after the timeout, within one reservation bucket more.
        HttpStatusCode status;
        string body;
        do
        {
            await Task.Delay(250);
            using var response = await survivor.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());
            status = response.StatusCode;
            body = await response.Content.ReadAsStringAsync();
        }
        while (status != HttpStatusCode.OK && DateTime.UtcNow - killedAt < TimeSpan.FromSeconds(40));

        var waited = DateTime.UtcNow - killedAt;
        Assert.True(status == HttpStatusCode.OK, body);
        Assert.True(waited <= TimeSpan.Parse(Timeout, System.Globalization.CultureInfo.InvariantCulture) + TimeSpan.FromSeconds((BudgetOptions.ReservationBucketMs / 1000) + 2), $"usable again only after {waited}");

        // Nothing of the killed streams was ever charged: what they held came back whole.
        // (at most the small request that got through, a worst case of $0.00018, can have been charged by now).
        Assert.InRange((long)await Db.StringGetAsync(SpendKeys.Day("test", DateTime.UtcNow)), 0, 180_000_000);
    }
}
