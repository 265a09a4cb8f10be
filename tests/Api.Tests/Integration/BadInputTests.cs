using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using AspireAoai.Api.Tests.Infrastructure;

namespace AspireAoai.Api.Tests.Integration;

/// <summary>Every kind of bad input gets a 4xx in the OpenAI error shape, never a 500, and never reaches upstream.</summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private SimulatorHost _sim = null!;
    private GatewayHost _gateway = null!;

    public async Task InitializeAsync()
    {
        _sim = await SimulatorHost.StartAsync("eastus");
        _gateway = await GatewayHost.StartAsync(
        [
            new DeploymentSpec("eastus-gpt-4o", _sim.BaseAddress),
            new DeploymentSpec("eastus-mini", _sim.BaseAddress, Deployment: "gpt-4o-mini", Model: "gpt-4o-mini"),
        ], ["--Gateway:MaxRequestBodyBytes=4096"]);
    }

    public async Task DisposeAsync()
    {
        await _gateway.DisposeAsync();
        await _sim.DisposeAsync();
    }

    private static async Task<JsonElement> AssertOpenAiError(HttpResponseMessage response, HttpStatusCode status, string? code, string? param = null)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString());
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = doc.RootElement.GetProperty("error");
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal(JsonValueKind.String, error.GetProperty("type").ValueKind);
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal(param, error.GetProperty("param").ValueKind == JsonValueKind.Null ? null : error.GetProperty("param").GetString());
        return error.Clone();
    }

    private async Task<HttpResponseMessage> PostAsync(string path, HttpContent content, string? key = GatewayHost.ClientKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        if (key is not null)
        {
            request.Headers.Add("api-key", key);
        }

        using var client = new HttpClient { BaseAddress = _gateway.BaseAddress };
        return await client.SendAsync(request);
    }

    [Fact]
    public async Task MissingKey_Gets401()
        => await AssertOpenAiError(await PostAsync("v1/chat/completions", GatewayHost.ChatBody(), key: null), HttpStatusCode.Unauthorized, "invalid_api_key");

    [Fact]
    public async Task WrongKey_Gets401()
        => await AssertOpenAiError(await PostAsync("v1/chat/completions", GatewayHost.ChatBody(), key: "nope"), HttpStatusCode.Unauthorized, "invalid_api_key");

    [Fact]
    public async Task BearerKey_IsAccepted()
    {
        using var client = new HttpClient { BaseAddress = _gateway.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", GatewayHost.ClientKey);
        using var response = await client.PostAsync("v1/chat/completions", GatewayHost.ChatBody());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task MalformedJson_Gets400()
        => await AssertOpenAiError(await PostAsync("v1/chat/completions", GatewayHost.Json("{\"model\":\"gpt-4o\",\"messages\":[")), HttpStatusCode.BadRequest, "invalid_json");

    [Fact]
    public async Task EmptyBody_Gets400()
        => await AssertOpenAiError(await PostAsync("v1/chat/completions", GatewayHost.Json("")), HttpStatusCode.BadRequest, "invalid_json");

    [Fact]
    public async Task WrongContentType_Gets415()
        => await AssertOpenAiError(await PostAsync("v1/chat/completions", new StringContent("{\"model\":\"gpt-4o\",\"messages\":[{}]}", Encoding.UTF8, "text/plain")),
            HttpStatusCode.UnsupportedMediaType, "unsupported_media_type");

    [Fact]
    public async Task MissingMessages_Gets400NamingMessages()
        => await AssertOpenAiError(await PostAsync("v1/chat/completions", GatewayHost.Json("{\"model\":\"gpt-4o\"}")), HttpStatusCode.BadRequest, "missing_required_parameter", "messages");

    [Fact]
    public async Task MissingModel_OnV1_Gets400NamingModel()
        => await AssertOpenAiError(await PostAsync("v1/chat/completions", GatewayHost.ChatBody(model: null)), HttpStatusCode.BadRequest, "missing_required_parameter", "model");

    [Fact]
    public async Task UnknownModel_Gets404()
        => await AssertOpenAiError(await PostAsync("v1/chat/completions", GatewayHost.ChatBody(model: "gpt-9")), HttpStatusCode.NotFound, "model_not_found", "model");

    [Fact]
    public async Task UnknownAzureDeployment_Gets404()
        => await AssertOpenAiError(await PostAsync("openai/deployments/nope/chat/completions?api-version=2024-10-21", GatewayHost.ChatBody()), HttpStatusCode.NotFound, "DeploymentNotFound");

    [Fact]
    public async Task BadApiVersion_Gets400()
        => await AssertOpenAiError(await PostAsync("openai/deployments/gpt-4o/chat/completions?api-version=%3Cscript%3E", GatewayHost.ChatBody()),
            HttpStatusCode.BadRequest, "invalid_api_version", "api-version");

    [Fact]
    public async Task OversizedBody_Gets413()
        => await AssertOpenAiError(await PostAsync("v1/chat/completions", GatewayHost.ChatBody(text: new string('x', 5000))), HttpStatusCode.RequestEntityTooLarge, "request_too_large");

    [Fact]
    public async Task OversizedChunkedBody_Gets413()
    {
        var content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes("{\"model\":\"gpt-4o\",\"messages\":[{\"content\":\"" + new string('x', 9000) + "\"}]}")));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await _gateway.Http.SendAsync(request);
        await AssertOpenAiError(response, HttpStatusCode.RequestEntityTooLarge, "request_too_large");
    }

    [Fact]
    public async Task EmbeddingsWithoutInput_Gets400()
        => await AssertOpenAiError(await PostAsync("v1/embeddings", GatewayHost.Json("{\"model\":\"gpt-4o\"}")), HttpStatusCode.BadRequest, "missing_required_parameter", "input");

    [Fact]
    public async Task ModelNotAllowedForClient_Gets403()
        => await AssertOpenAiError(await PostAsync("v1/chat/completions", GatewayHost.ChatBody(), key: GatewayHost.LimitedClientKey), HttpStatusCode.Forbidden, "model_not_allowed", "model");

    [Fact]
    public async Task UnknownPath_Gets404InTheErrorShape()
        => await AssertOpenAiError(await PostAsync("v1/completions-of-the-future", GatewayHost.ChatBody()), HttpStatusCode.NotFound, "404");

    [Fact]
    public async Task NoBadInput_ReachedTheUpstream()
    {
        await PostAsync("v1/chat/completions", GatewayHost.Json("{\"model\":\"gpt-4o\",\"messages\":["));
        await PostAsync("v1/chat/completions", GatewayHost.Json("{\"model\":\"gpt-4o\"}"));
        await PostAsync("v1/chat/completions", GatewayHost.ChatBody(), key: "nope");
        Assert.Equal(0, await _sim.RequestsAsync("gpt-4o"));
    }

    [Fact]
    public async Task ModelsList_ShowsOnlyWhatTheClientMayUse()
    {
        using var all = JsonDocument.Parse(await _gateway.Http.GetStringAsync("v1/models"));
        Assert.Equal(new[] { "gpt-4o", "gpt-4o-mini" }, all.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()!).Order().ToArray());

        using var limited = new HttpClient { BaseAddress = _gateway.BaseAddress };
        limited.DefaultRequestHeaders.Add("api-key", GatewayHost.LimitedClientKey);
        using var some = JsonDocument.Parse(await limited.GetStringAsync("openai/v1/models"));
        Assert.Equal(new[] { "gpt-4o-mini" }, some.RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()!).ToArray());
    }

    [Fact]
    public async Task AdminEndpoint_NeedsTheAdminKey()
    {
        using var anonymous = await _gateway.Http.GetAsync("admin/deployments");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);

        using var admin = await _gateway.Admin.GetAsync("admin/deployments");
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);
        using var doc = JsonDocument.Parse(await admin.Content.ReadAsStringAsync());
        var first = doc.RootElement.GetProperty("deployments")[0];
        Assert.Equal("eastus-gpt-4o", first.GetProperty("name").GetString());
        Assert.Equal("healthy", first.GetProperty("state").GetString());
        Assert.Equal("api-key", first.GetProperty("auth").GetString());
        Assert.DoesNotContain("sim-key", doc.RootElement.GetRawText());
    }
}
