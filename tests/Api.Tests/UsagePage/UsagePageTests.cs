using System.Globalization;
using System.Net;
using System.Text.Json;
using AspireAoai.Accounting.Usage;
using AspireAoai.Api.Auth;
using AspireAoai.Api.Tests.Infrastructure;
using AspireAoai.Api.Tests.Usage;
using AspireAoai.Api.Tests.UsageReports;
using AspireAoai.TestSupport;
using Microsoft.Azure.Cosmos;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using StackExchange.Redis;

namespace AspireAoai.Api.Tests.UsagePage;

/// <summary>
/// The <c>/usage</c> page in headless Chromium (Debian's chromium driven by Playwright): real requests through the gateway,
/// the Worker's aggregation into the real Cosmos server, then the page, given a key, shows what the usage API returns.
/// </summary>
[Collection(UsageApiCollection.Name)]
public sealed class UsagePageTests(CosmosFixture cosmos) : IAsyncLifetime
{
    private UsageStack _stack = null!;

    public async Task InitializeAsync() => _stack = await UsageStack.StartAsync(cosmos, "p");

    public async Task DisposeAsync() => await _stack.DisposeAsync();

    [Fact]
    public async Task UsagePage_GivenAClientKey_ShowsItsUsageApiNumbers_AndChartsThem_WithoutTheKeyInAnyUrl()
    {
        await using var gateway = await StartGatewayWithUsageAsync();
        using var expected = await GetJsonAsync(gateway.Http, "v1/usage");
        var root = expected.RootElement;

        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync();
        var urls = new List<string>();
        var keyHeaders = new List<string?>();
        page.Request += (_, request) =>
        {
            urls.Add(request.Url);
            if (request.Url.Contains("/v1/usage", StringComparison.Ordinal)) keyHeaders.Add(request.Headers.GetValueOrDefault("api-key"));
        };

        await ShowAsync(page, gateway, GatewayHost.ClientKey);
        Assert.Equal("client", await page.GetAttributeAsync("#report", "data-view"));

        var totals = root.GetProperty("totals");
        Assert.Equal(totals.GetProperty("cost").GetString(), await TextAsync(page, "#total-cost"));
        Assert.Equal(totals.GetProperty("requests").GetInt64().ToString(CultureInfo.InvariantCulture), Digits(await TextAsync(page, "#total-requests")));
        Assert.Equal(totals.GetProperty("totalTokens").GetInt64().ToString(CultureInfo.InvariantCulture), Digits(await TextAsync(page, "#total-tokens")));
        Assert.Equal(7, totals.GetProperty("requests").GetInt64());

        // Per model: the page's table and bars equal the API's lines summed by model (exact decimals).
        var byModel = SumBy(root.GetProperty("data"), "model");
        Assert.Equal(["gpt-4o", "gpt-4o-mini"], byModel.Keys.Order());
        Assert.Equal(byModel.Keys.Order(), await BarsAsync(page, "#chart-model-cost", "data-label"));
        foreach (var (model, (cost, tokens, requests)) in byModel)
        {
            var row = page.Locator($"#table-model tr[data-key='{model}']");
            Assert.Equal(Exact(cost), await row.Locator("td.cost").TextContentAsync());
            Assert.Equal(tokens.ToString(CultureInfo.InvariantCulture), Digits(await row.Locator("td.tokens").TextContentAsync()));
            Assert.Equal(requests.ToString(CultureInfo.InvariantCulture), Digits(await row.Locator("td.requests").TextContentAsync()));
            Assert.Equal(Exact(cost), await page.GetAttributeAsync($"#chart-model-cost rect.bar[data-label='{model}']", "data-value"));
            Assert.Equal(tokens.ToString(CultureInfo.InvariantCulture), await page.GetAttributeAsync($"#chart-model-tokens rect.bar[data-label='{model}']", "data-value"));
        }

        // Per day: one bar for every day of the range (this month), today's the sum of today's lines, the others zero.
        var from = DateOnly.Parse(root.GetProperty("from").GetString()!, CultureInfo.InvariantCulture);
        var to = DateOnly.Parse(root.GetProperty("to").GetString()!, CultureInfo.InvariantCulture);
        Assert.Equal(to.DayNumber - from.DayNumber + 1, await page.Locator("#chart-day-cost rect.bar").CountAsync());
        var byDay = SumBy(root.GetProperty("data"), "date");
        var today = DateTime.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        Assert.Equal(Exact(byDay[today].Cost), await page.GetAttributeAsync($"#chart-day-cost rect.bar[data-label='{today}']", "data-value"));
        Assert.Equal(byDay[today].Tokens.ToString(CultureInfo.InvariantCulture),
            await page.GetAttributeAsync($"#chart-day-tokens rect.bar[data-label='{today}']", "data-value"));
        Assert.True(await page.Locator($"#chart-day-cost rect.bar[data-label='{today}']").GetAttributeAsync("height") is { } h
            && double.Parse(h, CultureInfo.InvariantCulture) > 0);
        Assert.True(await page.Locator("#clients").IsHiddenAsync());

        // The key went in the api-key header of the page's call, never into a URL.
        Assert.NotEmpty(keyHeaders);
        Assert.All(keyHeaders, header => Assert.Equal(GatewayHost.ClientKey, header));
        Assert.DoesNotContain(urls, url => url.Contains(GatewayHost.ClientKey, StringComparison.Ordinal));
        Assert.DoesNotContain(GatewayHost.ClientKey, page.Url, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsagePage_GivenTheAdminKey_ShowsEveryClient_WithTheAdminUsageApiNumbers()
    {
        await using var gateway = await StartGatewayWithUsageAsync();
        using var expected = await GetJsonAsync(gateway.Admin, "admin/usage");
        var root = expected.RootElement;

        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync();
        await ShowAsync(page, gateway, GatewayHost.AdminKey);
        Assert.Equal("admin", await page.GetAttributeAsync("#report", "data-view"));

        Assert.Equal(root.GetProperty("totals").GetProperty("cost").GetString(), await TextAsync(page, "#total-cost"));
        Assert.Equal("10", Digits(await TextAsync(page, "#total-requests")));
        var clients = root.GetProperty("clients").EnumerateArray().ToList();
        Assert.Equal(["limited", "other", "test"], await BarsAsync(page, "#chart-client-cost", "data-label"));
        foreach (var client in clients)
        {
            var id = client.GetProperty("clientId").GetString()!;
            var totals = client.GetProperty("totals");
            var cost = decimal.Parse(totals.GetProperty("cost").GetString()!, CultureInfo.InvariantCulture);
            Assert.Equal(Exact(cost), await page.GetAttributeAsync($"#chart-client-cost rect.bar[data-label='{id}']", "data-value"));
            Assert.Equal(totals.GetProperty("totalTokens").GetInt64().ToString(CultureInfo.InvariantCulture),
                await page.GetAttributeAsync($"#chart-client-tokens rect.bar[data-label='{id}']", "data-value"));
            Assert.Equal(Exact(cost), await page.Locator($"#table-client tr[data-key='{id}'] td.cost").TextContentAsync());
        }

        // Per model over every client's lines.
        var lines = clients.SelectMany(c => c.GetProperty("data").EnumerateArray());
        foreach (var (model, (cost, _, _)) in SumBy(lines, "model"))
        {
            Assert.Equal(Exact(cost), await page.GetAttributeAsync($"#chart-model-cost rect.bar[data-label='{model}']", "data-value"));
        }
    }

    [Fact]
    public async Task UsagePage_GivenAnUnknownKey_SaysSo_AndShowsNoNumbers()
    {
        await using var gateway = await StartGatewayAsync();
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(gateway.BaseAddress, "usage").ToString());
        await page.FillAsync("#key", "not-a-key");
        await page.ClickAsync("#show");
        await page.WaitForSelectorAsync("#report[data-state='error']", new() { State = WaitForSelectorState.Attached });
        Assert.Contains("neither a client key nor the admin key", await TextAsync(page, "#error"));
        Assert.True(await page.Locator("#report").IsHiddenAsync());
    }

    private static async Task ShowAsync(IPage page, GatewayHost gateway, string key)
    {
        var response = await page.GotoAsync(new Uri(gateway.BaseAddress, "usage").ToString());
        Assert.Equal(200, response!.Status);
        Assert.Contains("script-src 'self'", (await response.AllHeadersAsync())["content-security-policy"]);
        await page.FillAsync("#key", key);
        await page.ClickAsync("#show");
        await page.WaitForSelectorAsync("#report[data-state='ready']", new() { State = WaitForSelectorState.Attached, Timeout = 20_000 });
        Assert.True(await page.Locator("#chart-day-cost svg").CountAsync() == 1, "the per-day chart was not drawn");
    }

    private static async Task<string> TextAsync(IPage page, string selector) => (await page.Locator(selector).TextContentAsync())!.Trim();

    private static string Digits(string? text) => new((text ?? "").Where(char.IsDigit).ToArray());

    private static async Task<string[]> BarsAsync(IPage page, string chart, string attribute)
    {
        var bars = page.Locator(chart + " rect.bar");
        var values = new List<string>();
        for (var i = 0; i < await bars.CountAsync(); i++) values.Add((await bars.Nth(i).GetAttributeAsync(attribute))!);
        return [.. values];
    }

    /// <summary>A decimal as the page writes it: invariant, no exponent, no trailing zeros.</summary>
    private static string Exact(decimal value) => value.ToString("0.############################", CultureInfo.InvariantCulture);

    private static Dictionary<string, (decimal Cost, long Tokens, long Requests)> SumBy(IEnumerable<JsonElement> lines, string property)
    {
        var sums = new Dictionary<string, (decimal, long, long)>();
        foreach (var line in lines)
        {
            var key = line.GetProperty(property).GetString()!;
            var (cost, tokens, requests) = sums.GetValueOrDefault(key);
            var lineCost = line.GetProperty("cost").GetString() is { } c ? decimal.Parse(c, CultureInfo.InvariantCulture) : 0m;
            sums[key] = (cost + lineCost, tokens + line.GetProperty("totalTokens").GetInt64(), requests + line.GetProperty("requests").GetInt64());
        }

        return sums;
    }

    private static Dictionary<string, (decimal Cost, long Tokens, long Requests)> SumBy(JsonElement lines, string property)
        => SumBy(lines.EnumerateArray(), property);

    private static async Task<JsonDocument> GetJsonAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>The gateway after 10 real requests (two clients, two models), aggregated by the Worker's own code.</summary>
    private async Task<GatewayHost> StartGatewayWithUsageAsync()
    {
        var gateway = await StartGatewayAsync();
        await UsageStack.SendTwoClientsTrafficAsync(gateway);
        await _stack.AggregateAsync(expectedEvents: 10);
        return gateway;
    }

    private Task<GatewayHost> StartGatewayAsync() => _stack.StartGatewayAsync(cosmos.Server.ConnectionString);
}
