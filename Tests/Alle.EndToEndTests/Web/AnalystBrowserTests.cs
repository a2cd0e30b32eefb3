using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Alle.EndToEndTests.Web;

/// <summary>
/// An analyst in a real browser: signs in with her e-mail and password, reads a profile with its phone and e-mail
/// masked (the services mask them for her role, not the page), finds a member's texts by her phone with the phone and
/// the sign-in code masked (in the page and in the CSV she exports), and has no form to create an offer — the service
/// refuses her key too, and nothing changes.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class AnalystBrowserTests(DistributedAppFixture app, Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task An_analyst_cannot_change_anything_and_sees_phones_and_emails_masked()
    {
        var tag = Guid.NewGuid().ToString("N")[..10];
        var phone = TestPhones.New();
        var email = $"analyst.view.{tag}@example.com";
        var userId = $"analyst-view-{tag}";
        using var identified = await app.CreateTrackingClient("portal").PostAsJsonAsync("/v1/identify",
            new { userId, messageId = Guid.NewGuid().ToString(), traits = new { phone, email, firstName = "Ana" } });
        Assert.Equal(HttpStatusCode.OK, identified.StatusCode);
        await Eventually.TrueAsync(async () =>
            (await app.AdminGateway.GetAsync($"/api/profiles/lookup?userId={userId}")).StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(60), "the profile");

        // She asks for a sign-in code, gets a text from the program and texts HELP.
        using (var started = await app.Gateway.PostAsJsonAsync("/api/messaging/verify/start", new { phone }))
        {
            Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        }
        using (var sent = await app.AdminGateway.PostAsJsonAsync("/api/messaging/messages", new { to = phone, body = $"Hi Ana {tag}, your points are in.", userId }))
        {
            Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        }
        var sandbox = app.CreateClient("twilio-sandbox");
        var code = await Eventually.GetAsync(async () =>
            (await sandbox.GetFromJsonAsync<JsonElement>($"/api/inbox/{Uri.EscapeDataString(phone)}")).GetProperty("messages").EnumerateArray()
                .Select(m => Regex.Match(m.GetProperty("body").GetString()!, @"verification code is (\d{6})")).FirstOrDefault(m => m.Success)?.Groups[1].Value,
            TimeSpan.FromSeconds(60), "her sign-in code");
        using (var help = await sandbox.PostAsJsonAsync($"/api/inbox/{Uri.EscapeDataString(phone)}/reply", new { body = "HELP" }))
        {
            Assert.True(help.IsSuccessStatusCode);
        }
        var masked = new string('•', phone.Length - 4) + phone[^4..];

        var analyst = $"analyst.{tag}@example.com";
        const string password = "read only, never write";
        using var created = await app.AdminGateway.PostAsJsonAsync("/api/console/operators", new { email = analyst, role = "analyst", password });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        await using var context = await chromium.NewContextAsync(app);
        var page = await context.NewPageAsync();
        await page.GotoAsync($"/console/profiles?by=userId&value={userId}");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/sign-in"));
        await page.GetByLabel("E-mail").FillAsync(analyst);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/console/profiles"));
        await Assertions.Expect(page.GetByTestId("signed-in-as")).ToHaveTextAsync($"{analyst} (analyst)");

        var main = page.Locator("main");
        await Assertions.Expect(main).ToContainTextAsync(new string('•', phone.Length - 4) + phone[^4..]);
        await Assertions.Expect(main).ToContainTextAsync("Ana");
        var shown = await page.ContentAsync();
        Assert.DoesNotContain(phone[2..], shown, StringComparison.Ordinal);
        Assert.DoesNotContain(email, shown, StringComparison.Ordinal);
        await Accessibility.CheckAsync(page, "34-console-analyst-profile-masked");

        // Her texts, found by her phone as people write it: the phone masked, the code masked, in the page and in the CSV.
        var national = $"({phone[2..5]}) {phone[5..8]}-{phone[8..]}";
        await page.GotoAsync("/console/messages");
        await page.GetByLabel("Phone").FillAsync(national);
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        var texts = page.GetByTestId("messages");
        // The code, her text and the program's answer to her HELP.
        await Assertions.Expect(texts.Locator("tbody tr")).ToHaveCountAsync(3);
        await Assertions.Expect(texts).ToContainTextAsync("verification code is ••••••");
        await Assertions.Expect(texts).ToContainTextAsync($"Hi Ana {tag}");
        await Assertions.Expect(texts).ToContainTextAsync(masked);
        var log = await page.InnerTextAsync("main");
        SecretCode.AssertHidden(code, log, "the message log");
        Assert.DoesNotContain(phone[2..], await page.ContentAsync(), StringComparison.Ordinal);
        await Accessibility.CheckAsync(page, "36a-console-analyst-messages-masked");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Export this search as CSV" }).ClickAsync());
        var csv = await File.ReadAllTextAsync((await download.PathAsync())!, System.Text.Encoding.UTF8);
        Assert.Equal(4, csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains(masked, csv, StringComparison.Ordinal);
        Assert.Contains("verification code is ••••••", csv, StringComparison.Ordinal);
        Assert.DoesNotContain(phone[2..], csv, StringComparison.Ordinal);
        SecretCode.AssertHidden(code, csv, "the CSV export");
        await page.GetByRole(AriaRole.Link, new() { Name = "Received from members" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("inbound")).ToContainTextAsync("HELP");
        await Assertions.Expect(page.GetByTestId("inbound")).ToContainTextAsync(masked);
        Assert.DoesNotContain(phone, await page.InnerTextAsync("[data-testid=inbound]"), StringComparison.Ordinal);
        await Accessibility.CheckAsync(page, "36b-console-analyst-texts-received");

        // No form to create an offer, and the service refuses her if she tries anyway: nothing is created.
        await page.GotoAsync("/console/offers");
        await Assertions.Expect(page.GetByTestId("read-only")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Create offer" })).ToHaveCountAsync(0);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Deactivate" })).ToHaveCountAsync(0);
        await Accessibility.CheckAsync(page, "35-console-analyst-offers-read-only");
        using var keyCreated = await app.AdminGateway.PostAsJsonAsync("/api/console/api-keys", new { name = $"analyst {tag}", scopes = new[] { "analyst" } });
        Assert.Equal(HttpStatusCode.Created, keyCreated.StatusCode);
        using var asAnalyst = app.CreateClient("gateway");
        asAnalyst.DefaultRequestHeaders.Authorization = new("Bearer", (await keyCreated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString());
        var title = $"Analyst offer {tag}";
        using var refused = await asAnalyst.PostAsJsonAsync("/api/loyalty/offers", new { title, value = 10m, endsAt = DateTimeOffset.UtcNow.AddDays(7) });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Contains("offers:write", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var offers = await app.AdminGateway.GetFromJsonAsync<JsonElement>("/api/loyalty/offers");
        Assert.DoesNotContain(offers.EnumerateArray(), offer => offer.GetProperty("title").GetString() == title);

        // Owners' pages are not hers.
        await page.GotoAsync("/console/team/operators");
        Assert.DoesNotContain("/console/team/operators", page.Url, StringComparison.Ordinal);
    }
}
