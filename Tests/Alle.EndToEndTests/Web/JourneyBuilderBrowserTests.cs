using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alle.EndToEndTests.NorthStar;
using Microsoft.Playwright;

namespace Alle.EndToEndTests.Web;

/// <summary>
/// An operator turns a one-text journey into three steps with a split in the console (the definition edited on the
/// journey's page, saved as a new version), sees the graph drawn, and a gold member then receives the gold text.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class JourneyBuilderBrowserTests(DistributedAppFixture app, Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task An_operator_builds_a_three_step_journey_with_a_split_and_a_member_receives_the_right_text()
    {
        var platform = new Platform(app);
        var tag = Guid.NewGuid().ToString("N")[..8];
        var trigger = $"Quiz Finished {tag}";
        using var created = await app.AdminGateway.PostAsJsonAsync("/api/messaging/journeys", new
        {
            name = $"Quiz follow-up {tag}", trigger = new { type = "event", @event = trigger }, template = $"{tag} thanks for the quiz",
        });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var journeyId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var gold = await platform.EnrolAsync("Gwen", marketingConsent: true, new { tier = "gold", timezone = TestTimeZones.Daytime() });

        await using var context = await chromium.NewContextAsync(app);
        var page = await context.NewPageAsync();
        await page.GotoAsync($"/console/journeys/{journeyId}");
        await page.GetByLabel("Admin key").FillAsync(app.AdminKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = $"Quiz follow-up {tag}" })).ToBeVisibleAsync();

        // A mistake first: the error names the step.
        var definition = page.GetByLabel("Definition", new() { Exact = false });
        await definition.FillAsync($$$"""
            {"name": "Quiz follow-up {{{tag}}}", "trigger": {"type": "event", "event": "{{{trigger}}}"},
             "steps": [{"id": "tier", "type": "split", "condition": {"trait": "tier", "operator": "equals", "value": "gold"}, "yes": "gold", "no": "nowhere"},
                       {"id": "gold", "type": "send_sms", "template": "{{{tag}}} gold: {{ traits.firstName }}, your perk awaits", "next": "end"}]}
            """);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save as new version" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("journey-errors")).ToContainTextAsync("Step \"tier\"");

        await page.GetByLabel("Definition", new() { Exact = false }).FillAsync($$$"""
            {"name": "Quiz follow-up {{{tag}}}", "trigger": {"type": "event", "event": "{{{trigger}}}"},
             "steps": [{"id": "tier", "type": "split", "condition": {"trait": "tier", "operator": "equals", "value": "gold"}, "yes": "gold", "no": "standard"},
                       {"id": "gold", "type": "send_sms", "template": "{{{tag}}} gold: {{ traits.firstName }}, your perk awaits", "next": "end"},
                       {"id": "standard", "type": "send_sms", "template": "{{{tag}}} thanks for the quiz"}]}
            """);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save as new version" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("version 2");
        await Assertions.Expect(page.Locator("[data-testid=journey-diagram] g.step")).ToHaveCountAsync(3);
        await Accessibility.CheckAsync(page, "24-console-journey-builder");

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
    }
}
