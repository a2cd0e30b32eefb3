using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Alle.EndToEndTests.Web;

/// <summary>
/// A real team in a real browser: an owner adds an operator; she proves her phone with a texted code (read from the
/// Twilio sandbox's inbox), turns her second factor on, signs out and back in with her password and a texted code, and
/// reads a member's profile — identifiers, traits with their source, the timeline a page at a time, a merge she may undo.
/// Made an analyst by the owner, she reads the same profile with the phone masked and no unmerge.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class OperatorSecondFactorBrowserTests(DistributedAppFixture app, Chromium chromium) : IClassFixture<Chromium>
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task An_invited_operator_signs_in_with_a_texted_code_and_reads_a_members_profile()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var (userId, memberPhone) = await SeedMemberAsync(tag);

        // The owner (the admin key while bootstrap is on) adds her.
        await using var ownerContext = await chromium.NewContextAsync(app);
        var owner = await ownerContext.NewPageAsync();
        await owner.GotoAsync("/console/team/operators");
        await owner.GetByLabel("Admin key").FillAsync(app.AdminKey);
        await owner.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        var email = $"two.factor.{tag}@example.com";
        const string password = "a phone in my pocket";
        await owner.GetByLabel("E-mail").FillAsync(email);
        await owner.GetByLabel("Role", new() { Exact = true }).SelectOptionAsync("owner");
        await owner.GetByLabel("First password").FillAsync(password);
        await owner.GetByRole(AriaRole.Button, new() { Name = "Add operator" }).ClickAsync();
        await Assertions.Expect(owner.GetByRole(AriaRole.Status)).ToContainTextAsync($"{email} can now sign in as owner");

        // She proves her phone and turns the second factor on.
        await using var context = await chromium.NewContextAsync(app);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/console");
        await SignInWithPasswordAsync(page, email, password);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console$"));
        await page.GetByTestId("signed-in-as").ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToHaveTextAsync("Your account");
        await Accessibility.CheckAsync(page, "50-console-account");
        var phone = TestPhones.New();
        var masked = $"•••• {phone[^4..]}";
        var sandbox = app.CreateClient("twilio-sandbox");
        await page.GetByLabel("Mobile number").FillAsync(phone);
        await page.GetByRole(AriaRole.Button, new() { Name = "Text me a code" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync(masked);
        await page.GetByLabel("Code").FillAsync(await PortalSignIn.ReadCodeAsync(sandbox, phone));
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm phone" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("account-phone")).ToHaveTextAsync(masked);
        await page.GetByRole(AriaRole.Button, new() { Name = "Turn on the second factor" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("second-factor")).ToContainTextAsync("on");
        await Accessibility.CheckAsync(page, "51-console-account-second-factor-on");
        Assert.DoesNotContain(phone[2..], await page.ContentAsync(), StringComparison.Ordinal);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();

        // Password, then the code texted to her phone.
        await page.GotoAsync($"/console/profiles?by=userId&value={userId}");
        await SignInWithPasswordAsync(page, email, password);
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/sign-in/code$"));
        await Assertions.Expect(page.GetByTestId("masked-phone")).ToHaveTextAsync(masked);
        await page.GetByLabel("Code").FillAsync("000000" == await PortalSignIn.ReadCodeAsync(sandbox, phone, textsBefore: 1) ? "111111" : "000000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator("#code-error")).ToContainTextAsync("not right");
        await Accessibility.CheckAsync(page, "52-console-sign-in-code");
        await page.GetByLabel("Code").FillAsync(await PortalSignIn.ReadCodeAsync(sandbox, phone, textsBefore: 1));
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/profiles"));

        // The member's profile, readable.
        await Assertions.Expect(page.GetByTestId("identifiers")).ToContainTextAsync(userId);
        await Assertions.Expect(page.GetByTestId("identifiers")).ToContainTextAsync(memberPhone);
        await Assertions.Expect(page.GetByTestId("traits")).ToContainTextAsync("favourite_treatment");
        await Assertions.Expect(page.GetByTestId("traits")).ToContainTextAsync("portal");
        var timeline = page.GetByTestId("timeline");
        await Assertions.Expect(timeline.Locator("tbody tr")).ToHaveCountAsync(25);
        await Assertions.Expect(page.GetByTestId("merges").GetByText("Unmerge…")).ToBeVisibleAsync();
        await Accessibility.CheckAsync(page, "53-console-profile");
        await page.GetByTestId("older-events").ClickAsync();
        await Assertions.Expect(timeline.Locator("tbody tr").First).ToBeVisibleAsync();
        Assert.InRange(await timeline.Locator("tbody tr").CountAsync(), 1, 25);
        await page.GetByLabel("Event name").FillAsync("Treatment Viewed 3");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(timeline.Locator("tbody tr")).ToHaveCountAsync(1);

        // Made an analyst, she reads the same profile with the phone masked and cannot undo the merge. (She may be the
        // only owner operator of this application, and the last owner cannot be demoted: another one comes first.)
        using (var another = await app.AdminGateway.PostAsJsonAsync("/api/console/operators",
            new { email = $"another.owner.{tag}@example.com", role = "owner", password = "another owner's password" }))
        {
            Assert.Equal(HttpStatusCode.Created, another.StatusCode);
        }
        await owner.GotoAsync("/console/team/operators");
        await owner.GetByLabel($"Role of {email}").SelectOptionAsync("analyst");
        await owner.GetByRole(AriaRole.Row).Filter(new() { HasText = email }).GetByRole(AriaRole.Button, new() { Name = "Change role" }).ClickAsync();
        await Assertions.Expect(owner.GetByTestId($"second-factor-{email}")).ToContainTextAsync($"on ({masked})");
        await Accessibility.CheckAsync(owner, "54-console-operators-second-factor");
        await page.GotoAsync($"/console/profiles?by=userId&value={userId}");
        await Assertions.Expect(page.GetByTestId("signed-in-as")).ToHaveTextAsync($"{email} (analyst)");
        await Assertions.Expect(page.GetByTestId("identifiers")).ToContainTextAsync(new string('•', memberPhone.Length - 4) + memberPhone[^4..]);
        Assert.DoesNotContain(memberPhone[2..], await page.ContentAsync(), StringComparison.Ordinal);
        await Assertions.Expect(page.GetByTestId("merges")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Unmerge…")).ToHaveCountAsync(0);
        await Accessibility.CheckAsync(page, "55-console-profile-analyst");
    }

    private static async Task SignInWithPasswordAsync(IPage page, string email, string password)
    {
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/sign-in"));
        await page.GetByLabel("E-mail").FillAsync(email);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    /// <summary>A member with a phone, traits from the portal, 30 events and a device profile merged into hers.</summary>
    private async Task<(string UserId, string Phone)> SeedMemberAsync(string tag)
    {
        var userId = $"two-factor-member-{tag}";
        var phone = TestPhones.New();
        var email = $"{userId}@example.com";
        var deviceId = $"device-{tag}";
        var tracking = app.CreateTrackingClient("portal");
        await PostAsync(tracking, "/v1/identify", new { userId, messageId = Guid.NewGuid().ToString(), traits = new { phone, email, favourite_treatment = "lips" } });
        await PostAsync(tracking, "/v1/identify", new { anonymousId = deviceId, messageId = Guid.NewGuid().ToString(), traits = new { device = "tablet" } });
        await PostAsync(tracking, "/v1/batch", new
        {
            batch = Enumerable.Range(0, 30).Select(i => new
            {
                type = "track", userId, messageId = Guid.NewGuid().ToString(), @event = $"Treatment Viewed {i}",
                timestamp = DateTimeOffset.UtcNow.AddMinutes(-i).ToString("O"),
            }).ToArray(),
        });
        await Eventually.TrueAsync(async () =>
        {
            using var device = await app.AdminGateway.GetAsync($"/api/profiles/v1/spaces/default/collections/users/profiles/anonymous_id:{deviceId}/traits");
            using var member = await app.AdminGateway.GetAsync($"/api/profiles/lookup?userId={userId}");
            return device.StatusCode == HttpStatusCode.OK && member.StatusCode == HttpStatusCode.OK;
        }, s_timeout, "the member's and the device's profiles");
        await PostAsync(tracking, "/v1/track", new { anonymousId = deviceId, messageId = Guid.NewGuid().ToString(), @event = "Coupon Clipped", context = new { traits = new { email } } });
        await Eventually.TrueAsync(async () =>
        {
            var lookup = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/profiles/lookup?userId={userId}");
            var merges = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/profiles/{lookup.GetProperty("profileId").GetGuid()}/merges");
            using var events = await app.AdminGateway.GetAsync($"/api/profiles/v1/spaces/default/collections/users/profiles/user_id:{userId}/events?limit=100");
            return merges.GetProperty("data").GetArrayLength() == 1
                && (await events.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data").GetArrayLength() >= 30;
        }, s_timeout, "the member's events and the device merged into her profile");
        return (userId, phone);
    }

    private static async Task PostAsync(HttpClient tracking, string path, object body)
    {
        using var response = await tracking.PostAsJsonAsync(path, body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
