using Microsoft.Playwright;

namespace Alle.EndToEndTests.Web;

/// <summary>
/// One headless Chromium (Debian's, never a downloaded build) per test class, driven by Playwright's bundled driver;
/// each test opens its own browser contexts (separate cookies) against the gateway.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where screenshots of key pages go: <c>artifacts/screenshots</c> under the test output folder.</summary>
    public static string ScreenshotDirectory { get; } = Path.Combine(AppContext.BaseDirectory, "artifacts", "screenshots");

    public async Task InitializeAsync()
    {
        // The driver ships inside the package; browsers are never downloaded here.
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        Directory.CreateDirectory(ScreenshotDirectory);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    /// <param name="timeZone">The browser's own time zone (the join form starts from it); the machine's when null.</param>
    public Task<IBrowserContext> NewContextAsync(DistributedAppFixture app, string? timeZone = null) => Browser.NewContextAsync(new BrowserNewContextOptions
    {
        BaseURL = app.Endpoint("gateway").ToString().TrimEnd('/'),
        ViewportSize = new ViewportSize { Width = 1100, Height = 900 },
        Locale = "en-US",
        TimezoneId = timeZone,
    });

    public static async Task ScreenshotAsync(IPage page, string name) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, $"{name}.png"), FullPage = true });

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }
        _playwright?.Dispose();
    }
}
