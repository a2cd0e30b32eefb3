using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Alle.EndToEndTests.Web;

/// <summary>
/// A developer in a real browser: creates a source, sees its events per hour (chart and table) and last event once it
/// sends, is asked to confirm before the write key is rotated — cancelling changes nothing, confirming refuses the old
/// key at once and accepts the new one —, writes a tracking plan with the editor and sees the violation of an event
/// that breaks it.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class SourcesAndPlansBrowserTests(DistributedAppFixture app, Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task A_developer_watches_a_source_rotates_its_key_after_confirming_and_plans_its_events()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var developer = $"developer.{tag}@example.com";
        const string password = "sources and plans, carefully";
        using var created = await app.AdminGateway.PostAsJsonAsync("/api/console/operators", new { email = developer, role = "developer", password });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        await using var context = await chromium.NewContextAsync(app);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/console/sources");
        await page.GetByLabel("E-mail").FillAsync(developer);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("signed-in-as")).ToHaveTextAsync($"{developer} (developer)");

        // A new source has sent nothing: "never".
        var sourceId = $"kiosk-{tag}";
        await page.GotoAsync("/console/sources");
        await page.GetByLabel("Name").FillAsync($"Kiosk {tag}");
        await page.GetByLabel("Id").FillAsync(sourceId);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create source" }).ClickAsync();
        var firstKey = (await page.GetByTestId("write-key").TextContentAsync())!.Trim();
        var row = page.Locator($"tr[data-source='{sourceId}']");
        await Assertions.Expect(row.GetByTestId("last-event")).ToHaveTextAsync("never");

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await TrackAsync(firstKey, "Kiosk Opened", new { screen = i }));
        }
        await page.GotoAsync("/console/sources");
        var volume = page.Locator($"#volume-{sourceId}");
        await Assertions.Expect(volume).ToContainTextAsync("Last hour: 3");
        await Assertions.Expect(volume.Locator("svg.chart")).ToBeVisibleAsync();
        await volume.Locator("details summary").ClickAsync();
        var currentHour = DateTimeOffset.UtcNow.ToString("HH:00");
        await Assertions.Expect(volume.Locator("details table tbody tr").Last).ToHaveTextAsync(new Regex($"^{currentHour}\\s*3$"));
        await Assertions.Expect(row.GetByTestId("last-event")).ToContainTextAsync("track “Kiosk Opened”");
        await Accessibility.CheckAsync(page, "60-console-sources-volume");

        // Asked first; cancelling leaves the key as it was.
        await row.GetByRole(AriaRole.Link, new() { Name = "Rotate key…" }).ClickAsync();
        var confirmation = page.GetByTestId("confirmation");
        await Assertions.Expect(confirmation).ToContainTextAsync("refused from now on (401) until it is given the new key; events already accepted are kept");
        await Assertions.Expect(confirmation).ToContainTextAsync($"Kiosk {tag}");
        await Assertions.Expect(page.GetByTestId("last-hour")).ToHaveTextAsync("3");
        await Accessibility.CheckAsync(page, "61-console-rotate-key-confirm");
        await page.GetByRole(AriaRole.Link, new() { Name = "Cancel" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/sources$"));
        await Assertions.Expect(page.GetByTestId("write-key")).ToHaveCountAsync(0);
        Assert.Equal(HttpStatusCode.OK, await TrackAsync(firstKey, "Kiosk Opened", new { screen = 3 }));

        // Confirmed: the old key is refused at once, the new one accepted.
        await row.GetByRole(AriaRole.Link, new() { Name = "Rotate key…" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Rotate the key" }).ClickAsync();
        var newKey = (await page.GetByTestId("write-key").TextContentAsync())!.Trim();
        Assert.NotEqual(firstKey, newKey);
        Assert.Equal(HttpStatusCode.Unauthorized, await TrackAsync(firstKey, "Kiosk Opened", new { screen = 4 }));
        Assert.Equal(HttpStatusCode.OK, await TrackAsync(newKey, "Kiosk Opened", new { screen = 5 }));

        // Disabling asks too, and says what stops.
        await row.GetByRole(AriaRole.Link, new() { Name = "Disable…" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("confirmation")).ToContainTextAsync("Disabling stops accepting events from this source");
        await page.GetByRole(AriaRole.Link, new() { Name = "Cancel" }).ClickAsync();
        Assert.Equal(HttpStatusCode.OK, await TrackAsync(newKey, "Kiosk Opened", new { screen = 6 }));

        // No plan yet: the page says so; the editor writes one.
        await page.GotoAsync($"/console/sources/{sourceId}/plan");
        await Assertions.Expect(page.GetByTestId("no-plan")).ToContainTextAsync("has no tracking plan");
        await Accessibility.CheckAsync(page, "62-console-tracking-plan-none");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add event" }).ClickAsync();
        await page.GetByLabel("Event name").FillAsync("Order Completed");
        await page.GetByLabel("Description").FillAsync("An order was paid");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add property to event 1" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Add property to event 1" }).ClickAsync();
        await page.GetByLabel("Name of property 1").FillAsync("total");
        await page.GetByLabel("Type of property 1").SelectOptionAsync("number");
        await page.GetByLabel("Property 1 is required").CheckAsync();
        await page.GetByLabel("Name of property 2").FillAsync("coupon");
        await page.Locator("#violations-mode").SelectOptionAsync("flag");
        await Accessibility.CheckAsync(page, "63-console-tracking-plan-editor");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save plan" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Tracking plan saved.");
        await Assertions.Expect(page.GetByTestId("no-plan")).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByLabel("Event name")).ToHaveValueAsync("Order Completed");
        await Assertions.Expect(page.GetByLabel("Property 1 is required")).ToBeCheckedAsync();
        await Assertions.Expect(page.GetByLabel("Property 2 is required")).Not.ToBeCheckedAsync();

        var plan = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/ingestion/sources/{sourceId}/tracking-plan");
        var schema = plan.GetProperty("events")[0].GetProperty("properties");
        Assert.Equal(["total"], schema.GetProperty("required").EnumerateArray().Select(r => r.GetString()));
        Assert.Equal("number", schema.GetProperty("properties").GetProperty("total").GetProperty("type").GetString());
        Assert.Equal("string", schema.GetProperty("properties").GetProperty("coupon").GetProperty("type").GetString());

        // An order without its total breaks the plan: flagged, and listed on the page.
        Assert.Equal(HttpStatusCode.OK, await TrackAsync(newKey, "Order Completed", new { coupon = "SPRING" }));
        await page.GotoAsync($"/console/sources/{sourceId}/plan");
        var violations = page.GetByTestId("violations");
        await Assertions.Expect(violations).ToContainTextAsync("Order Completed");
        await Assertions.Expect(violations).ToContainTextAsync("total");
        await Accessibility.CheckAsync(page, "64-console-tracking-plan-violation");
    }

    private async Task<HttpStatusCode> TrackAsync(string writeKey, string eventName, object properties)
    {
        using var client = app.CreateClient("gateway");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{writeKey}:")));
        using var response = await client.PostAsJsonAsync("/v1/track",
            new { userId = "kiosk-visitor", messageId = Guid.NewGuid().ToString(), @event = eventName, properties });
        return response.StatusCode;
    }
}
