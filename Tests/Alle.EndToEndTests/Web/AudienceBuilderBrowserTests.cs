using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Alle.EndToEndTests.Web;

/// <summary>
/// The audience builder in a real browser, used by a marketer an owner invited from the Team page: she signs in fresh,
/// builds an audience from the pickers (the event and property her test source has sent, the property's type choosing
/// the operators and the input), previews it with known and reachable members, restricts it to known members, saves
/// it, edits it, finds the expected members, and deletes it.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class AudienceBuilderBrowserTests(DistributedAppFixture app, Chromium chromium) : IClassFixture<Chromium>
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task An_invited_marketer_builds_an_audience_from_the_schema_previews_saves_and_edits_it()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var eventName = $"Builder Searched {tag}";
        using var tracking = await NewSourceAsync($"builder-{tag}");
        var near = $"builder-near-{tag}";
        var far = $"builder-far-{tag}";
        var anonymous = $"builder-anon-{tag}";
        await SendAsync(tracking, new { type = "track", userId = near, @event = eventName, properties = new { radius = 5, city = "Austin" } });
        await SendAsync(tracking, new { type = "track", userId = far, @event = eventName, properties = new { radius = 20, city = "Boston" } });
        await SendAsync(tracking, new { type = "track", anonymousId = anonymous, @event = eventName, properties = new { radius = 3, city = "Austin" } });
        await Eventually.TrueAsync(async () =>
        {
            using var preview = await app.AdminGateway.PostAsJsonAsync("/api/audiences/preview", new { condition = new { @event = eventName }, sampleSize = 0 });
            return (await preview.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("count").GetInt64() == 3;
        }, s_timeout, "the three searchers reaching Audiences");
        await Eventually.TrueAsync(async () =>
            (await app.AdminGateway.GetStringAsync($"/api/ingestion/schema?sourceId=builder-{tag}")).Contains(eventName, StringComparison.Ordinal),
            s_timeout, "the event in the source's schema");

        // An owner invites her on the Team page.
        var marketer = $"marketer.{tag}@example.com";
        const string password = "audiences are my business";
        await using (var ownerContext = await chromium.NewContextAsync(app))
        {
            var owner = await ownerContext.NewPageAsync();
            await owner.GotoAsync("/console/team/operators");
            await owner.GetByLabel("Admin key").FillAsync(app.AdminKey);
            await owner.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Assertions.Expect(owner).ToHaveURLAsync(new Regex("/console/team/operators$"));
            await owner.GetByLabel("E-mail").FillAsync(marketer);
            await owner.Locator("#role").SelectOptionAsync("marketer");
            await owner.GetByLabel("First password").FillAsync(password);
            await owner.GetByRole(AriaRole.Button, new() { Name = "Add operator" }).ClickAsync();
            await Assertions.Expect(owner.Locator("main")).ToContainTextAsync(marketer);
            await Accessibility.CheckAsync(owner, "40-console-team-invites-marketer");
        }

        await using var context = await chromium.NewContextAsync(app);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/console/audiences/new");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/sign-in"));
        await page.GetByLabel("E-mail").FillAsync(marketer);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/audiences/new$"));
        await Assertions.Expect(page.GetByTestId("signed-in-as")).ToHaveTextAsync($"{marketer} (marketer)");

        // The event comes from the schema's picker; once chosen, the property picker offers that event's properties with their types.
        var line = page.GetByTestId("condition-0");
        var offeredEvent = page.Locator($"#known-events option[value='{eventName}']");
        await Assertions.Expect(offeredEvent).ToHaveCountAsync(1);
        await line.GetByLabel("Event").FillAsync((await offeredEvent.GetAttributeAsync("value"))!);
        await page.GetByRole(AriaRole.Button, new() { Name = "Update choices" }).ClickAsync();
        await Assertions.Expect(page.Locator("#properties-0 option")).ToHaveCountAsync(2);
        var radius = page.Locator("#properties-0 option[value='radius']");
        await Assertions.Expect(radius).ToHaveTextAsync("number");
        await Assertions.Expect(page.Locator("#properties-0 option[value='city']")).ToHaveTextAsync("string");
        await line.GetByLabel("Where property").FillAsync((await radius.GetAttributeAsync("value"))!);
        await page.GetByRole(AriaRole.Button, new() { Name = "Update choices" }).ClickAsync();
        await Assertions.Expect(line.GetByTestId("property-type-0")).ToHaveTextAsync("number");
        await Assertions.Expect(line.Locator("#propvalue-0")).ToHaveAttributeAsync("type", "number");
        await Assertions.Expect(line.Locator("#propop-0 option[value='contains']")).ToHaveCountAsync(0);
        await line.Locator("#propop-0").SelectOptionAsync("lessThan");
        await line.Locator("#propvalue-0").FillAsync("10");
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("preview-count")).ToHaveTextAsync("2");
        await Assertions.Expect(page.GetByTestId("preview-known")).ToHaveTextAsync("1");
        await Assertions.Expect(page.GetByTestId("preview-reachable")).ToHaveTextAsync("0");
        await Accessibility.CheckAsync(page, "41-console-audience-builder-schema-preview");

        await page.GetByRole(AriaRole.Checkbox, new() { Name = "Known members only" }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Preview" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("preview-count")).ToHaveTextAsync("1");
        await Assertions.Expect(page.GetByTestId("preview-sample")).ToContainTextAsync(near);

        var key = $"builder_{tag}";
        await page.GetByLabel("Key").FillAsync(key);
        await page.GetByLabel("Name", new() { Exact = true }).FillAsync($"Searched nearby ({tag})");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save audience" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/console/audiences/{key}$"));
        await ExpectSizeAsync(page, "1");
        await Assertions.Expect(page.GetByTestId("audience-members")).ToContainTextAsync(near);
        await Assertions.Expect(page.GetByTestId("known-members-only")).ToBeVisibleAsync();
        await Accessibility.CheckAsync(page, "42-console-audience-known-members");

        // Edit: the lines come back as saved; widen the radius and the far searcher joins (the anonymous one stays out).
        await page.GetByRole(AriaRole.Link, new() { Name = "Edit", Exact = true }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/console/audiences/{key}/edit$"));
        await Assertions.Expect(page.Locator("#event-0")).ToHaveValueAsync(eventName);
        await Assertions.Expect(page.Locator("#propvalue-0")).ToHaveValueAsync("10");
        await Assertions.Expect(page.GetByRole(AriaRole.Checkbox, new() { Name = "Known members only" })).ToBeCheckedAsync();
        await page.Locator("#propop-0").SelectOptionAsync("lessThanOrEqual");
        await page.Locator("#propvalue-0").FillAsync("20");
        await Accessibility.CheckAsync(page, "43-console-audience-edit");
        await page.GetByRole(AriaRole.Button, new() { Name = "Save changes" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/console/audiences/{key}$"));
        await ExpectSizeAsync(page, "2");
        await Assertions.Expect(page.GetByTestId("audience-members")).ToContainTextAsync(near);
        await Assertions.Expect(page.GetByTestId("audience-members")).ToContainTextAsync(far);
        var saved = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/audiences/{key}");
        Assert.True(saved.GetProperty("knownMembersOnly").GetBoolean());
        var filter = saved.GetProperty("condition").GetProperty("where")[0];
        Assert.Equal(eventName, saved.GetProperty("condition").GetProperty("event").GetString());
        Assert.Equal(("radius", "lessThanOrEqual", 20), (filter.GetProperty("property").GetString(), filter.GetProperty("operator").GetString(), filter.GetProperty("value").GetInt32()));

        // Delete: confirmed by ticking the box; the audience is gone.
        await page.GetByRole(AriaRole.Checkbox, new() { Name = $"Yes, delete {key}" }).CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete audience" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/audiences$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Audience {key} deleted");
        await Accessibility.CheckAsync(page, "44-console-audience-deleted");
        Assert.Equal(HttpStatusCode.NotFound, (await app.AdminGateway.GetAsync($"/api/audiences/{key}")).StatusCode);
    }

    private static async Task ExpectSizeAsync(IPage page, string size) =>
        await Eventually.TrueAsync(async () =>
        {
            await page.ReloadAsync();
            return await page.GetByTestId("audience-size").InnerTextAsync() == size;
        }, s_timeout, $"the audience computed with {size} members");

    private async Task<HttpClient> NewSourceAsync(string id)
    {
        using var created = await app.AdminGateway.PostAsJsonAsync("/api/ingestion/sources", new { name = $"Builder test {id}", id });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var writeKey = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("writeKey").GetString();
        var client = app.CreateClient("gateway");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{writeKey}:")));
        return client;
    }

    private static async Task SendAsync(HttpClient tracking, object call)
    {
        using var response = await tracking.PostAsJsonAsync("/v1/batch", new { batch = new[] { call } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
