using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alle.EndToEndTests.NorthStar;
using Microsoft.Playwright;

namespace Alle.EndToEndTests.Web;

/// <summary>
/// An operator arriving fresh at the journeys list builds a three-step journey with a split in the form (no JSON): she
/// adds and reorders steps, sees the error that names the step, watches the diagram follow her typing, previews the gold
/// text and creates the journey; a gold member then receives the gold text, and the journey's page counts it.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class JourneyBuilderBrowserTests(DistributedAppFixture app, Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task An_operator_builds_a_three_step_journey_with_a_split_in_the_form_and_a_member_receives_the_right_text()
    {
        var platform = new Platform(app);
        var tag = Guid.NewGuid().ToString("N")[..8];
        var trigger = $"Quiz Finished {tag}";
        var name = $"Quiz follow-up {tag}";
        var gold = await platform.EnrolAsync("Gwen", marketingConsent: true, new { tier = "gold", timezone = TestTimeZones.Daytime() });

        await using var context = await chromium.NewContextAsync(app);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/console/journeys");
        await page.GetByLabel("Admin key").FillAsync(app.AdminKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.GetByRole(AriaRole.Link, new() { Name = "New journey" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "New journey", Exact = true })).ToBeVisibleAsync();

        await page.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await page.GetByLabel("Starts when a member").SelectOptionAsync("event");
        await page.GetByLabel("Event when it starts").FillAsync(trigger);

        // The new journey's one text becomes the gold text; then a standard text and the split are added.
        var first = page.GetByTestId("step-0");
        await first.GetByLabel("Step id").FillAsync("gold");
        await first.GetByLabel("Text").FillAsync($"{tag} gold: {{{{ traits.firstName }}}}, your perk awaits");
        await first.GetByLabel("Then go to").SelectOptionAsync("end");
        await page.GetByLabel("Type", new() { Exact = true }).SelectOptionAsync("send_sms");
        await page.GetByLabel("Id optional").FillAsync("standard");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add step" }).ClickAsync();
        await page.GetByTestId("step-1").GetByLabel("Text").FillAsync($"{tag} thanks for the quiz");
        await page.GetByLabel("Type", new() { Exact = true }).SelectOptionAsync("split");
        await page.GetByLabel("Id optional").FillAsync("tier");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add step" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("step-2")).ToContainTextAsync("Split on a condition");
        await page.GetByRole(AriaRole.Button, new() { Name = "Move step tier up" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("step-1")).ToContainTextAsync("Split on a condition");
        await page.GetByRole(AriaRole.Button, new() { Name = "Move step tier up" }).ClickAsync();
        var split = page.GetByTestId("step-0");
        await Assertions.Expect(split).ToContainTextAsync("Split on a condition");
        await Assertions.Expect(page.GetByTestId("step-1").GetByLabel("Step id")).ToHaveValueAsync("gold");
        await split.GetByLabel("If yes, go to").SelectOptionAsync("gold");
        await split.GetByLabel("If no, go to").SelectOptionAsync("standard");

        // A mistake first: the split has no condition yet. The error names the step, beside it and in the summary.
        await page.GetByRole(AriaRole.Button, new() { Name = "Create journey" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("journey-errors")).ToContainTextAsync("Step \"tier\"");
        await Assertions.Expect(page.GetByTestId("step-0").GetByTestId("step-errors")).ToContainTextAsync("condition");
        await Assertions.Expect(page.GetByLabel("Name", new() { Exact = true })).ToHaveValueAsync(name);

        // The condition, built with fields; the diagram follows as it is typed.
        var condition = page.GetByTestId("step-0-condition-0");
        await condition.GetByLabel("Kind").SelectOptionAsync("trait");
        await condition.GetByLabel("Key or event").FillAsync("tier");
        await condition.GetByLabel("Value").FillAsync("gold");
        var diagram = page.Locator("#journey-diagram-live");
        await Assertions.Expect(diagram.Locator("g.step")).ToHaveCountAsync(3);
        await Assertions.Expect(diagram.Locator("g.step[data-step=tier]")).ToContainTextAsync("tier equals gold");
        await Assertions.Expect(diagram.Locator("text.edge-label").Filter(new() { HasText = "yes" })).ToHaveCountAsync(1);

        var goldStep = page.GetByTestId("step-1");
        await goldStep.GetByRole(AriaRole.Button, new() { Name = "Preview text" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("step-1").GetByTestId("preview-text")).ToHaveTextAsync($"{tag} gold: Alexandria, your perk awaits");
        await Assertions.Expect(page.GetByTestId("step-1").GetByTestId("preview-encoding")).ToHaveTextAsync("GSM-7");
        await Assertions.Expect(page.GetByTestId("step-1").GetByTestId("preview-segments")).ToHaveTextAsync("1");
        await Assertions.Expect(page.GetByTestId("step-0-condition-0").GetByLabel("Value")).ToHaveValueAsync("gold");
        await Accessibility.CheckAsync(page, "24-console-journey-builder");

        await page.GetByRole(AriaRole.Button, new() { Name = "Create journey" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync(name);
        await page.GetByRole(AriaRole.Link, new() { Name = name }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = name })).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("[data-testid=journey-diagram] g.step")).ToHaveCountAsync(3);

        using (var tracked = await app.CreateTrackingClient("portal").PostAsJsonAsync("/v1/track", new { userId = gold.MemberId, @event = trigger, properties = new { } }))
        {
            Assert.Equal(HttpStatusCode.OK, tracked.StatusCode);
        }
        var sandbox = app.CreateClient("twilio-sandbox");
        var text = await Eventually.GetAsync(async () =>
            (await sandbox.GetFromJsonAsync<JsonElement>($"/api/inbox/{Uri.EscapeDataString(gold.Phone)}")).GetProperty("messages").EnumerateArray()
                .Select(m => m.GetProperty("body").GetString()).FirstOrDefault(body => body!.StartsWith(tag, StringComparison.Ordinal)),
            Platform.Timeout, "the gold text");
        Assert.Equal($"{tag} gold: Gwen, your perk awaits", text);

        await page.ReloadAsync();
        var goldRow = page.GetByTestId("journey-step").Filter(new() { HasText = "gold" }).First;
        await Assertions.Expect(goldRow).ToContainTextAsync("send_sms");
        await Assertions.Expect(page.GetByTestId("journey-steps")).ToContainTextAsync("yes: 1");
        await Assertions.Expect(page.Locator("[data-testid=journey-diagram] g.step[data-step=gold]")).ToContainTextAsync("in 1");
        await Accessibility.CheckAsync(page, "24a-console-journey");
    }
}
