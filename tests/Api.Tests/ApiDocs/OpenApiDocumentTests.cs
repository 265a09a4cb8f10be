using System.Net;
using System.Text.Json;
using AspireAoai.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Routing;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace AspireAoai.Api.Tests.ApiDocs;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c>: every route the app maps is in it (found by walking the app's own
/// endpoint data sources, so a route added later is checked without touching this test), and it is a valid OpenAPI
/// document with the key schemes and the OpenAI error shape.
/// </summary>
public sealed class OpenApiDocumentTests
{
    /// <summary>Routes that are not API operations and say so with ExcludeFromDescription: nothing else may hide.</summary>
    private static readonly string[] NotOperations = ["/openapi/{documentName}.json", "/usage", "/usage.js", "/scalar/{documentName?}"];

    [Fact]
    public async Task Document_ListsEveryRouteTheAppMaps_WithEachOfItsMethods_ASummaryAndATag()
    {
        await using var gateway = await StartAsync();
        using var document = await ReadDocumentAsync(gateway);
        var paths = document.RootElement.GetProperty("paths");

        var checkedRoutes = 0;
        foreach (var endpoint in gateway.Services.GetRequiredService<EndpointDataSource>().Endpoints)
        {
            var route = Assert.IsType<RouteEndpoint>(endpoint);
            var pattern = route.RoutePattern.RawText!;
            if (pattern.Contains("{*"))
            {
                Assert.Null(route.Metadata.GetMetadata<IHttpMethodMetadata>()); // only the 404 fallback catches every path
                continue;
            }

            if (route.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>() is { ExcludeFromDescription: true })
            {
                Assert.Contains(pattern, NotOperations);
                continue;
            }

            var path = "/" + System.Text.RegularExpressions.Regex.Replace(pattern, @":[^}]*\}", "}").TrimStart('/');
            Assert.True(paths.TryGetProperty(path, out var item), $"the document has no path '{path}' (route '{pattern}')");
            // A route without methods (the health checks) answers any method: the document offers GET.
            foreach (var method in route.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
            {
                Assert.True(item.TryGetProperty(method.ToLowerInvariant(), out var operation), $"the document has no {method} {path}");
                Assert.False(string.IsNullOrWhiteSpace(operation.GetProperty("summary").GetString()), $"{method} {path} has no summary");
                Assert.NotEmpty(operation.GetProperty("tags").EnumerateArray());
                Assert.True(operation.GetProperty("responses").TryGetProperty("200", out _), $"{method} {path} has no 200 response");
                checkedRoutes++;
            }
        }

        // The proxied routes in every path style, the usage API, the admin API and the health probes at the least.
        Assert.True(checkedRoutes >= 15, $"only {checkedRoutes} routes were checked");
        foreach (var path in new[]
        {
            "/openai/deployments/{deployment}/chat/completions", "/openai/v1/chat/completions", "/v1/chat/completions",
            "/openai/deployments/{deployment}/embeddings", "/openai/v1/embeddings", "/v1/embeddings", "/v1/models", "/openai/v1/models",
            "/v1/usage", "/openai/v1/usage", "/admin/usage", "/admin/deployments", "/admin/deployments/{name}/reset", "/health", "/alive",
        })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"the document has no path '{path}'");
        }
    }

    [Fact]
    public async Task Document_IsValidOpenApi_WithApiKeyAndBearerSchemes_AndTheOpenAiErrorShape()
    {
        await using var gateway = await StartAsync();
        var json = await gateway.Admin.GetStringAsync("openapi/v1.json");

        var read = OpenApiDocument.Parse(json, OpenApiConstants.Json);
        Assert.Empty(read.Diagnostic!.Errors);
        Assert.Empty(read.Document!.Validate(Microsoft.OpenApi.ValidationRuleSet.GetDefaultRuleSet()) ?? []);

        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        Assert.StartsWith("3.1", root.GetProperty("openapi").GetString());
        var schemes = root.GetProperty("components").GetProperty("securitySchemes");
        var apiKey = schemes.GetProperty("api-key");
        Assert.Equal("apiKey", apiKey.GetProperty("type").GetString());
        Assert.Equal("header", apiKey.GetProperty("in").GetString());
        Assert.Equal("api-key", apiKey.GetProperty("name").GetString());
        var bearer = schemes.GetProperty("bearer");
        Assert.Equal("http", bearer.GetProperty("type").GetString());
        Assert.Equal("bearer", bearer.GetProperty("scheme").GetString());

        var error = root.GetProperty("components").GetProperty("schemas").GetProperty("Error");
        var inner = error.GetProperty("properties").GetProperty("error").GetProperty("properties");
        Assert.Equal(["code", "message", "param", "type"], inner.EnumerateObject().Select(p => p.Name).Order());

        var chat = root.GetProperty("paths").GetProperty("/v1/chat/completions").GetProperty("post");
        Assert.Equal(["api-key", "bearer"], chat.GetProperty("security").EnumerateArray().Select(s => s.EnumerateObject().Single().Name));
        Assert.Equal("#/components/schemas/Error",
            chat.GetProperty("responses").GetProperty("429").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());
        Assert.Equal("#/components/schemas/ChatCompletionRequest",
            chat.GetProperty("requestBody").GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString());

        var azure = root.GetProperty("paths").GetProperty("/openai/deployments/{deployment}/chat/completions").GetProperty("post");
        Assert.Contains(azure.GetProperty("parameters").EnumerateArray(), p => p.GetProperty("name").GetString() == "deployment" && p.GetProperty("in").GetString() == "path");

        // The usage report's schema comes from its C# type: a property of it is named as the API writes it.
        var usage = root.GetProperty("paths").GetProperty("/v1/usage").GetProperty("get").GetProperty("responses").GetProperty("200");
        Assert.Contains("totals", usage.GetRawText() + root.GetProperty("components").GetProperty("schemas").GetRawText());
        Assert.False(root.GetProperty("paths").GetProperty("/health").GetProperty("get").TryGetProperty("security", out _));
    }

    [Fact]
    public async Task Document_OutsideDevelopment_IsForTheAdminKeyOnly_AndScalarIsNotServed()
    {
        await using var gateway = await StartAsync();
        using var anonymous = new HttpClient { BaseAddress = gateway.BaseAddress };

        using var none = await anonymous.GetAsync("openapi/v1.json");
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        using var client = await gateway.Http.GetAsync("openapi/v1.json");
        Assert.Equal(HttpStatusCode.Unauthorized, client.StatusCode);
        using var admin = await gateway.Admin.GetAsync("openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, admin.StatusCode);

        using var scalar = await anonymous.GetAsync("scalar");
        Assert.Equal(HttpStatusCode.NotFound, scalar.StatusCode);
    }

    [Fact]
    public async Task Development_ServesTheDocumentToAnyone_AndScalarReadsIt()
    {
        await using var gateway = await StartAsync("--environment=Development");
        using var anonymous = new HttpClient { BaseAddress = gateway.BaseAddress };

        using var document = await anonymous.GetAsync("openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, document.StatusCode);
        using var scalar = await anonymous.GetAsync("scalar");
        Assert.Equal(HttpStatusCode.OK, scalar.StatusCode);
        Assert.Equal("text/html", scalar.Content.Headers.ContentType?.MediaType);
        var html = await scalar.Content.ReadAsStringAsync();
        Assert.Contains("AspireAoai gateway", html);
        Assert.Contains("\"url\":\"openapi/v1.json\"", html);
        using var script = await anonymous.GetAsync("scalar/scalar.js"); // served by the app: no CDN, no internet
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);

        // In a browser, Scalar fetches the document from where the gateway serves it.
        await using var browser = await UsagePage.Browser.LaunchAsync();
        var page = await browser.NewPageAsync();
        var fetched = page.WaitForResponseAsync(r => r.Url.EndsWith("/openapi/v1.json", StringComparison.Ordinal), new() { Timeout = 30_000 });
        await page.GotoAsync(new Uri(gateway.BaseAddress, "scalar").ToString());
        var documentResponse = await fetched;
        Assert.Equal(new Uri(gateway.BaseAddress, "openapi/v1.json").ToString(), documentResponse.Url);
        Assert.Equal(200, documentResponse.Status);
    }

    private static Task<GatewayHost> StartAsync(params string[] args)
        => GatewayHost.StartAsync([new DeploymentSpec("eastus-gpt-4o", new Uri("http://127.0.0.1:9/"))], args);

    private static async Task<JsonDocument> ReadDocumentAsync(GatewayHost gateway)
    {
        using var response = await gateway.Admin.GetAsync("openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }
}
