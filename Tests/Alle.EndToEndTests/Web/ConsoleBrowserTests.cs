using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Alle.EndToEndTests.Web;

/// <summary>
/// The operator console in a real browser: admin sign-in (its own cookie), the audience builder's preview matching the
/// expected members of the north-star audience (scoped to this test's people by a property tag), saving it, a journey
/// on it, the live event stream, and the other console pages.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ConsoleBrowserTests(DistributedAppFixture app, Chromium chromium) : IClassFixture<Chromium>
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task An_operator_builds_the_north_star_audience_sees_its_preview_match_and_creates_a_journey()
    {
        var tag = Guid.NewGuid().ToString("N")[..12];
        var tracking = app.CreateTrackingClient("portal");
        var searchedOnly = $"web-ns-a-{tag}";
        var searchedAndRedeemed = $"web-ns-b-{tag}";
        var searchedTwice = $"web-ns-c-{tag}";
        await TrackAsync(tracking, searchedOnly, "Provider Searched", new { zip = "10001", tag });
        await TrackAsync(tracking, searchedAndRedeemed, "Provider Searched", new { zip = "10001", tag });
        await TrackAsync(tracking, searchedAndRedeemed, "Offer Redeemed", new { tag });
        await TrackAsync(tracking, searchedTwice, "Provider Searched", new { zip = "90210", tag });
        await TrackAsync(tracking, searchedTwice, "Provider Searched", new { zip = "90210", tag });
        var condition = new
        {
            and = new object[]
            {
                new { @event = "Provider Searched", within = "30d", where = new[] { new { property = "tag", @operator = "equals", value = tag } } },
                new { not = new { @event = "Offer Redeemed" } },
            },
        };
        // The events have reached Audiences (the browser's preview must then find exactly these people).
        await Eventually.TrueAsync(async () =>
        {
            using var preview = await app.AdminGateway.PostAsJsonAsync("/api/audiences/preview", new { condition, sampleSize = 0 });
            var redeemedSeen = await app.AdminGateway.PostAsJsonAsync("/api/audiences/preview",
                new { condition = new { @event = "Offer Redeemed", where = new[] { new { property = "tag", @operator = "equals", value = tag } } }, sampleSize = 0 });
            return (await preview.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("count").GetInt64() == 2
                && (await redeemedSeen.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("count").GetInt64() == 1;
        }, s_timeout, "the test's events in Audiences");

        await using var context = await chromium.NewContextAsync(app);
        var page = await context.NewPageAsync();

        // The console needs its own sign-in.
        await page.GotoAsync("/console/audiences/new");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/sign-in"));
        await page.GetByLabel("Admin key").FillAsync("not-the-key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not right");
        await page.GetByLabel("Admin key").FillAsync(app.AdminKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/audiences/new$"));

        // Build: searched for providers (tagged) in the last 30 days, and not ever redeemed an offer.
        var first = page.GetByTestId("condition-0");
        await first.GetByLabel("Event").FillAsync("Provider Searched");
        await first.GetByLabel("Within").FillAsync("30d");
        await first.GetByLabel("Where property").FillAsync("tag");
        await first.GetByLabel("Value").First.FillAsync(tag);
        var second = page.GetByTestId("condition-1");
        await second.GetByRole(AriaRole.Checkbox, new() { Name = "not" }).CheckAsync();
        await second.GetByLabel("Event").FillAsync("Offer Redeemed");
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();

        await Assertions.Expect(page.GetByTestId("preview-count")).ToHaveTextAsync("2");
        var sample = await page.GetByTestId("preview-sample").InnerTextAsync();
        Assert.Contains(searchedOnly, sample, StringComparison.Ordinal);
        Assert.Contains(searchedTwice, sample, StringComparison.Ordinal);
        Assert.DoesNotContain(searchedAndRedeemed, sample, StringComparison.Ordinal);
        await Accessibility.CheckAsync(page, "20-console-audience-builder-preview");

        var key = $"north_star_{tag}";
        await page.GetByLabel("Key").FillAsync(key);
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync($"Searched, never redeemed ({tag})");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save audience" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/console/audiences/{key}$"));
        await Eventually.TrueAsync(async () =>
        {
            await page.ReloadAsync();
            return await page.GetByTestId("audience-size").InnerTextAsync() == "2";
        }, s_timeout, "the saved audience computed with its two members");
        await Assertions.Expect(page.GetByTestId("audience-members")).ToContainTextAsync(searchedOnly);
        await Accessibility.CheckAsync(page, "21-console-audience");

        // A journey for the audience.
        await page.GetByRole(AriaRole.Link, new() { Name = "Start a journey for this audience" }).ClickAsync();
        var journeyName = $"North star coupon {tag}";
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync(journeyName);
        await Assertions.Expect(page.GetByLabel("Audience")).ToHaveValueAsync(key);
        // The preview shows the text as it goes out: smart-encoded (ē, curly quotes, the long dash), its encoding and segments.
        await page.GetByLabel("Text").FillAsync("Allē: “{{ traits.firstName }}” — ${{ coupon.value }} off with {{ coupon.code }}");
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview text" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("preview-text")).ToHaveTextAsync("Alle: \"Alexandria\" - $100 off with ABCD-EFGH-JKLM");
        await Assertions.Expect(page.GetByTestId("preview-encoding")).ToHaveTextAsync("GSM-7");
        await Assertions.Expect(page.GetByTestId("preview-segments")).ToHaveTextAsync("1");
        await Assertions.Expect(page.GetByLabel("Name", new() { Exact = true })).ToHaveValueAsync(journeyName);
        await Accessibility.CheckAsync(page, "22a-console-template-preview");
        await page.GetByLabel("Text").FillAsync("Hi {{ traits.firstName }}, a provider near you is waiting. Reply STOP to opt out.");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create journey" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync(journeyName);
        var row = page.GetByTestId("journey").Filter(new() { HasText = journeyName });
        await Assertions.Expect(row).ToContainTextAsync($"enters {key}");
        await Assertions.Expect(row).ToContainTextAsync("active");
        await Accessibility.CheckAsync(page, "22-console-journeys");
        await row.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("journey").Filter(new() { HasText = journeyName })).ToContainTextAsync("paused");

        var journeys = await app.AdminGateway.GetFromJsonAsync<JsonElement>("/api/messaging/journeys");
        var created = Assert.Single(journeys.GetProperty("data").EnumerateArray(), j => j.GetProperty("name").GetString() == journeyName);
        Assert.Equal(key, created.GetProperty("definition").GetProperty("trigger").GetProperty("audienceKey").GetString());
        Assert.Equal("paused", created.GetProperty("status").GetString());
    }

    [Fact]
    public async Task The_console_streams_live_events_and_shows_its_pages_only_to_operators()
    {
        await using var context = await chromium.NewContextAsync(app);
        var page = await context.NewPageAsync();

        // A member's or visitor's cookie is not an operator's: the stream relay refuses without the console's sign-in.
        var anonymous = await context.APIRequest.GetAsync("/console/sources/portal/stream");
        Assert.Contains("/console/sign-in", anonymous.Url, StringComparison.Ordinal);

        await page.GotoAsync("/console");
        await Accessibility.CheckAsync(page, "23a-console-sign-in");
        await page.GetByLabel("Admin key").FillAsync(app.AdminKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Overview" })).ToBeVisibleAsync();
        await Accessibility.CheckAsync(page, "23-console-overview");

        await page.GotoAsync("/console/sources/portal/live");
        await Assertions.Expect(page.Locator("#stream-state")).ToHaveTextAsync("Listening.");
        var eventName = $"Live Check {Guid.NewGuid():N}";
        await TrackAsync(app.CreateTrackingClient("portal"), $"web-live-{Guid.NewGuid():N}", eventName, new { source = "browser test" });
        await Assertions.Expect(page.Locator("#stream")).ToContainTextAsync(eventName, new() { Timeout = 30_000 });
        await Accessibility.CheckAsync(page, "24-console-live-events");

        foreach (var (path, heading, screenshot) in new[]
        {
            ("/console/sources", "Sources and write keys", "25-console-sources"),
            ("/console/sources/portal/plan", "Tracking plan: portal", "26-console-tracking-plan"),
            ("/console/messages", "Message log", "27-console-messages"),
            ("/console/computed-traits", "Computed traits", "28-console-computed-traits"),
            ("/console/models", "Reverse ETL models", "29-console-models"),
            ("/console/offers", "Offers and flash offers", "30-console-offers"),
            ("/console/profiles", "Profile explorer", "31-console-profiles"),
        })
        {
            var response = await page.GotoAsync(path);
            Assert.Equal(200, response!.Status);
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(heading, new() { IgnoreCase = true });
            await Accessibility.CheckAsync(page, screenshot);
        }
        await page.GotoAsync("/console/messages");
        await Assertions.Expect(page.Locator("svg.chart")).ToBeVisibleAsync();
    }

    private static async Task TrackAsync(HttpClient tracking, string userId, string eventName, object properties)
    {
        using var response = await tracking.PostAsJsonAsync("/v1/track", new { userId, messageId = Guid.NewGuid().ToString(), @event = eventName, properties });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
