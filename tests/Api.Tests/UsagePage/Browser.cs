using Microsoft.Playwright;

namespace AspireAoai.Api.Tests.UsagePage;

/// <summary>
/// Headless Chromium for the page tests: Debian's <c>chromium</c> package (scripts/prereqs.sh installs it when
/// scripts/test.sh runs), driven by Playwright for .NET. Playwright's own browser download is never used: the tests run
/// offline. Without chromium the test fails and says how to install it; it never skips.
/// </summary>
internal sealed class Browser : IAsyncDisposable
{
    /// <summary>Where the browser is: <c>CHROMIUM_PATH</c>, else Debian's <c>/usr/bin/chromium</c>.</summary>
    public static string ExecutablePath => Environment.GetEnvironmentVariable("CHROMIUM_PATH") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private Browser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        _browser = browser;
    }

    public static async Task<Browser> LaunchAsync()
    {
        Assert.True(File.Exists(ExecutablePath),
            $"Chromium is not installed at {ExecutablePath}: run scripts/prereqs.sh chromium (apt-get install -y chromium) or set CHROMIUM_PATH.");
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        var playwright = await Playwright.CreateAsync();
        try
        {
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ExecutablePath,
                Headless = true,

                // Tests may run as root (CI containers), where Chromium's sandbox cannot start; the pages are our own.
                Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
                Timeout = 60_000,
            });
            return new Browser(playwright, browser);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    public Task<IPage> NewPageAsync() => _browser.NewPageAsync();

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}
