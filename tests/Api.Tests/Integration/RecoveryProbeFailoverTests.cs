using System.ClientModel;
using System.ClientModel.Primitives;
using AspireAoai.Api.Tests.Infrastructure;
using OpenAI;
using OpenAI.Chat;

namespace AspireAoai.Api.Tests.Integration;

/// <summary>
/// A primary that still hangs when its cool-down ends meets one request (the probe), not every request that arrives
/// within the attempt timeout; the chaos run's "primary hangs" phase found the latter (bench/chaos).
/// </summary>
public sealed class RecoveryProbeFailoverTests
{
    private const int Concurrent = 8;

    private static ChatClient SdkClient(GatewayHost gateway) => new OpenAIClient(new ApiKeyCredential(GatewayHost.ClientKey),
        new OpenAIClientOptions { Endpoint = new Uri(gateway.BaseAddress, "v1"), RetryPolicy = new ClientRetryPolicy(0) }).GetChatClient("gpt-4o");

    private static Task<ClientResult<ChatCompletion>> AskAsync(ChatClient client) =>
        client.CompleteChatAsync([new UserChatMessage("Is the primary back?")], new ChatCompletionOptions { MaxOutputTokenCount = 8 });

    private static string ServedBy(ClientResult<ChatCompletion> result) =>
        result.GetRawResponse().Headers.TryGetValue("x-aoai-deployment", out var name) ? name! : "";

    [Fact]
    public async Task AHungPrimary_AfterItsCoolDown_IsProbedByOneRequest_WhileTheOthersGoStraightToTheSecondary()
    {
        await using var regions = await TwoRegions.StartAsync(["--Gateway:Routing:AttemptTimeout=00:00:01"]);
        var client = SdkClient(regions.Gateway);
        await regions.East.AddFaultAsync("timeout", deployment: "gpt-4o");

        var first = await AskAsync(client);
        Assert.Equal(TwoRegions.Secondary, ServedBy(first));
        await regions.WaitUntilHealthyAsync(TwoRegions.Primary, TimeSpan.FromSeconds(10));

        var answers = await Task.WhenAll(Enumerable.Range(0, Concurrent).Select(_ => AskAsync(client)));

        Assert.All(answers, a => Assert.Equal(TwoRegions.Secondary, ServedBy(a)));
        // The first request and one probe reached the hung primary; without probes all eight did.
        Assert.Equal(2, await regions.East.RequestsAsync("gpt-4o"));
    }

    [Fact]
    public async Task APrimaryThatIsBack_AnswersItsProbe_AndThenTakesEveryRequestAgain()
    {
        await using var regions = await TwoRegions.StartAsync(["--Gateway:Routing:AttemptTimeout=00:00:01"]);
        var client = SdkClient(regions.Gateway);
        await regions.East.AddFaultAsync("503", count: 1, deployment: "gpt-4o");

        Assert.Equal(TwoRegions.Secondary, ServedBy(await AskAsync(client)));
        await regions.WaitUntilHealthyAsync(TwoRegions.Primary, TimeSpan.FromSeconds(10));

        Assert.Equal(TwoRegions.Primary, ServedBy(await AskAsync(client)));
        var answers = await Task.WhenAll(Enumerable.Range(0, Concurrent).Select(_ => AskAsync(client)));
        Assert.All(answers, a => Assert.Equal(TwoRegions.Primary, ServedBy(a)));
    }
}
