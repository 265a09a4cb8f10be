using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace AspireAoai.Simulator.Tests.Capacity;

public sealed class CapacityLimitTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private SimulatorHost _sim = null!;

    public async Task InitializeAsync() => _sim = await SimulatorHost.StartAsync(
        [
            "Simulator:Deployments:0:Name=gpt-4o",
            "Simulator:Deployments:0:Tpm=1000",
            "Simulator:Deployments:0:Rpm=600",
            "Simulator:Deployments:1:Name=gpt-4o-mini",
            "Simulator:Deployments:1:Tpm=100000",
            "Simulator:Deployments:1:Rpm=2",
        ],
        builder => builder.Services.AddSingleton<TimeProvider>(_clock));

    public async Task DisposeAsync() => await _sim.DisposeAsync();

    [Fact]
    public async Task WhenTpmIsUsedUp_Answers429WithRetryHeadersAndAzureMessage_UntilTheWindowSlides()
    {
        // max_tokens is charged up front, as Azure does: 900 of the 1000 tokens go at once.
        using var first = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("big", maxTokens: 900));
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var remaining = int.Parse(Assert.Single(first.Headers.GetValues("x-ratelimit-remaining-tokens")));
        Assert.InRange(remaining, 1, 99);

        _clock.Advance(TimeSpan.FromSeconds(15));
        using var refused = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("more", maxTokens: 200));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("45", Assert.Single(refused.Headers.GetValues("retry-after")));
        Assert.Equal("45000", Assert.Single(refused.Headers.GetValues("retry-after-ms")));
        Assert.Equal(remaining.ToString(), Assert.Single(refused.Headers.GetValues("x-ratelimit-remaining-tokens")));
        Assert.Equal("1000", Assert.Single(refused.Headers.GetValues("x-ratelimit-limit-tokens")));
        Assert.Equal("599", Assert.Single(refused.Headers.GetValues("x-ratelimit-remaining-requests")));
        Assert.True(refused.Headers.Contains("x-request-id"));
        var error = (await Json.ReadAsync(refused)).GetProperty("error");
        Assert.Equal("429", error.GetProperty("code").GetString());
        Assert.Equal(
            "Requests to the ChatCompletions_Create Operation under Azure OpenAI API version 2024-10-21 have exceeded token rate limit of your current OpenAI S0 pricing tier. Please retry after 45 seconds. Please go here: https://aka.ms/oai/quotaincrease if you would like to further increase the default rate limit.",
            error.GetProperty("message").GetString());

        _clock.Advance(TimeSpan.FromSeconds(45));
        using var later = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("more", maxTokens: 200));
        Assert.Equal(HttpStatusCode.OK, later.StatusCode);

        var stats = (await _sim.StatsAsync()).GetProperty("deployments").GetProperty("gpt-4o");
        Assert.Equal(3, stats.GetProperty("requests").GetInt64());
        Assert.Equal(1, stats.GetProperty("throttled").GetInt64());
        Assert.Equal(1, stats.GetProperty("rateLimited").GetInt64());
    }

    [Fact]
    public async Task WhenRpmIsUsedUp_Answers429WithTheCallRateMessage_AndOtherDeploymentsAreUnaffected()
    {
        using var one = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o-mini"), Json.ChatBody("a"));
        using var two = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o-mini"), Json.ChatBody("b"));
        using var three = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o-mini"), Json.ChatBody("c"));
        using var other = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("d"));

        Assert.Equal(HttpStatusCode.OK, two.StatusCode);
        Assert.Equal("0", Assert.Single(two.Headers.GetValues("x-ratelimit-remaining-requests")));
        Assert.Equal(HttpStatusCode.TooManyRequests, three.StatusCode);
        Assert.Equal("60", Assert.Single(three.Headers.GetValues("retry-after")));
        Assert.Contains("exceeded call rate limit", (await Json.ReadAsync(three)).GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task AzureClient_SeesThe429AsAClientResultException()
    {
        var chat = _sim.AzureClient().GetChatClient("gpt-4o");
        await chat.CompleteChatAsync([new OpenAI.Chat.UserChatMessage("x")], new OpenAI.Chat.ChatCompletionOptions { MaxOutputTokenCount = 950 });

        var error = await Assert.ThrowsAsync<System.ClientModel.ClientResultException>(() =>
            chat.CompleteChatAsync([new OpenAI.Chat.UserChatMessage("y")], new OpenAI.Chat.ChatCompletionOptions { MaxOutputTokenCount = 100 }));

        Assert.Equal(429, error.Status);
        Assert.True(error.GetRawResponse()!.Headers.TryGetValue("retry-after-ms", out _));
    }

    [Fact]
    public async Task Reset_EmptiesTheWindows()
    {
        using var first = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("big", maxTokens: 900));
        using var refused = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("big", maxTokens: 900));
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);

        using var reset = await _sim.Http.PostAsync("sim/reset", null);
        using var after = await _sim.PostAsync(SimulatorHost.ChatPath("gpt-4o"), Json.ChatBody("big", maxTokens: 900));

        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
    }
}
