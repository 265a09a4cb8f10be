using System.Net;
using AspireAoai.Api.Tests.Infrastructure;

namespace AspireAoai.Api.Tests.Apis;

/// <summary>
/// Every response carries <c>x-request-id</c> and <c>apim-request-id</c>: the gateway's own request id when no upstream
/// answered (its own errors of every kind, models, 404s), the upstream's when one did.
/// </summary>
public sealed class RequestIdHeaderTests : IAsyncLifetime
{
    private TwoRegions _regions = null!;

    public async Task InitializeAsync() => _regions = await TwoRegions.StartAsync(["--Gateway:Routing:MaxAttempts=2"]);

    public async Task DisposeAsync() => await _regions.DisposeAsync();

    public static TheoryData<string, string, string, HttpStatusCode> GatewayAnswers => new()
    {
        { "wrong key", "v1/chat/completions", """{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""", HttpStatusCode.Unauthorized },
        { "bad json", "v1/chat/completions", "{not json", HttpStatusCode.BadRequest },
        { "unknown model", "v1/chat/completions", """{"model":"nope","messages":[{"role":"user","content":"hi"}]}""", HttpStatusCode.NotFound },
        { "model not allowed", "v1/chat/completions", """{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""", HttpStatusCode.Forbidden },
        { "no route", "v1/nothing-here", "{}", HttpStatusCode.NotFound },
    };

    [Theory]
    [MemberData(nameof(GatewayAnswers))]
    public async Task TheGatewaysOwnAnswers_CarryItsRequestId_InEveryIdHeader(string kind, string path, string json, HttpStatusCode status)
    {
        using var http = new HttpClient { BaseAddress = _regions.Gateway.BaseAddress };
        http.DefaultRequestHeaders.Add("api-key", kind switch
        {
            "wrong key" => "wrong-key",
            "model not allowed" => GatewayHost.LimitedClientKey,
            _ => GatewayHost.ClientKey,
        });
        using var response = await http.PostAsync(path, GatewayHost.Json(json));
        Assert.Equal(status, response.StatusCode);
        AssertGatewayIds(response);
    }

    [Fact]
    public async Task RetryBudgetExhausted_AndModels_CarryTheGatewaysRequestId()
    {
        await _regions.East.AddFaultAsync("500", count: 10);
        await _regions.West.AddFaultAsync("500", count: 10);
        using var exhausted = await _regions.Gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());
        Assert.True(exhausted.StatusCode is HttpStatusCode.ServiceUnavailable or HttpStatusCode.TooManyRequests, exhausted.StatusCode.ToString());
        AssertGatewayIds(exhausted);

        using var models = await _regions.Gateway.Http.GetAsync("v1/models");
        Assert.Equal(HttpStatusCode.OK, models.StatusCode);
        AssertGatewayIds(models);
    }

    [Fact]
    public async Task AnUpstreamAnswer_CarriesTheUpstreamsIds()
    {
        using var response = await _regions.Gateway.Http.PostAsync("v1/chat/completions", GatewayHost.ChatBody());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var gatewayId = response.Headers.GetValues("x-aoai-request-id").Single();
        var upstreamId = response.Headers.GetValues("x-request-id").Single();
        Assert.NotEqual(gatewayId, upstreamId);
        Assert.True(Guid.TryParse(upstreamId, out _), "the simulator's ids are GUIDs, as Azure's are");
        Assert.Equal(upstreamId, response.Headers.GetValues("apim-request-id").Single());
    }

    private static void AssertGatewayIds(HttpResponseMessage response)
    {
        var id = response.Headers.GetValues("x-aoai-request-id").Single();
        Assert.Equal(32, id.Length);
        Assert.Equal(id, response.Headers.GetValues("x-request-id").Single());
        Assert.Equal(id, response.Headers.GetValues("apim-request-id").Single());
    }
}
