using Deque.AxeCore.Playwright;
using Microsoft.Playwright;

namespace Alle.EndToEndTests.Web;

/// <summary>
/// What every page must pass: axe-core's automated check (labels, contrast, landmarks, headings — every rule axe runs by
/// default, best practices included) at the desktop width, and at 360 px wide (a small phone) no horizontal scrolling
/// and the check again. Screenshots of both widths go with the page's name.
/// </summary>
internal static class Accessibility
{
    public static async Task CheckAsync(IPage page, string screenshot)
    {
        await AssertNoViolationsAsync(page, "desktop");
        await Chromium.ScreenshotAsync(page, screenshot);
        var desktop = page.ViewportSize!;
        await page.SetViewportSizeAsync(360, 740);
        try
        {
            await Chromium.ScreenshotAsync(page, $"{screenshot}-360");
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth");
            var culprits = overflow <= 0 ? "" : await page.EvaluateAsync<string>("""
                () => [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && !e.parentElement?.closest('.table-scroll'))
                    .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + String(e.className).replaceAll(' ', '.') : '')).join(', ')
                """);
            Assert.True(overflow <= 0, $"{page.Url} scrolls {overflow} px sideways at 360 px wide: {culprits}");
            await AssertNoViolationsAsync(page, "360 px");
        }
        finally
        {
            await page.SetViewportSizeAsync(desktop.Width, desktop.Height);
        }
    }

    private static async Task AssertNoViolationsAsync(IPage page, string width)
    {
        var result = await page.RunAxe();
        var violations = result.Violations.Select(v => $"{v.Id} ({v.Impact}): {v.Help} — " +
            string.Join("; ", v.Nodes.Take(3).Select(n => $"{n.Target} {n.Html}"))).ToList();
        Assert.True(violations.Count == 0, $"{page.Url} at {width}:\n{string.Join("\n", violations)}");
    }
}
