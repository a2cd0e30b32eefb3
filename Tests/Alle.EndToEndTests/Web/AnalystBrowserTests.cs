using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Alle.EndToEndTests.Web;

/// <summary>
/// An analyst in a real browser: signs in with her e-mail and password, reads a profile with its phone and e-mail
/// masked (the services mask them for her role, not the page), and is refused — by the service — when she tries to
/// change something, which stays unchanged.
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

        // The form is there, but the service refuses her: the page says so and nothing is created.
        await page.GotoAsync("/console/offers");
        var title = $"Analyst offer {tag}";
        await page.GetByLabel("Title").FillAsync(title);
        await page.GetByLabel("Value ($)").FillAsync("10");
        await page.GetByRole(AriaRole.Button, new() { Name = "Create offer" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Not allowed for your role");
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("offers:write");
        var offers = await app.AdminGateway.GetFromJsonAsync<JsonElement>("/api/loyalty/offers");
        Assert.DoesNotContain(offers.EnumerateArray(), offer => offer.GetProperty("title").GetString() == title);
        await Accessibility.CheckAsync(page, "35-console-analyst-refused");

        // Owners' pages are not hers.
        await page.GotoAsync("/console/team/operators");
        Assert.DoesNotContain("/console/team/operators", page.Url, StringComparison.Ordinal);
    }
}
