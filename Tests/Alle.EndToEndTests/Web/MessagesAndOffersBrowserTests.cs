using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Alle.EndToEndTests.NorthStar;
using Microsoft.Playwright;

namespace Alle.EndToEndTests.Web;

/// <summary>
/// A marketer at work in the console: finds a member's texts by her phone (written as people write it) and by journey,
/// pages to older texts, downloads the search as CSV, and creates an offer at a provider picked from the directory by
/// name, whose coupons issued and redeemed then show beside it.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class MessagesAndOffersBrowserTests(DistributedAppFixture app, Chromium chromium) : IClassFixture<Chromium>
{
    [Fact]
    public async Task A_marketer_searches_pages_and_exports_a_members_texts_and_creates_an_offer_picking_its_provider_by_name()
    {
        var platform = new Platform(app);
        var tag = Guid.NewGuid().ToString("N")[..8];
        var member = await platform.EnrolAsync("Maya", marketingConsent: true, new { timezone = TestTimeZones.Daytime() });
        var trigger = $"Consultation Booked {tag}";
        var journeyName = $"Booking thanks {tag}";
        var journeyId = await platform.CreateJourneyAsync(new
        {
            name = journeyName, category = "transactional", trigger = new { type = "event", @event = trigger }, template = $"{tag} thanks for booking, {{{{ traits.firstName }}}}",
        });
        using (var tracked = await app.CreateTrackingClient("portal").PostAsJsonAsync("/v1/track", new { userId = member.MemberId, @event = trigger, properties = new { } }))
        {
            Assert.Equal(HttpStatusCode.OK, tracked.StatusCode);
        }
        await Eventually.TrueAsync(async () => (await platform.TextsToAsync(member.Phone)).Any(t => t.GetProperty("body").GetString()!.StartsWith(tag, StringComparison.Ordinal)),
            Platform.Timeout, "the journey's text");
        // 51 more texts to her, so her texts fill more than one page (50); one looks like a spreadsheet formula.
        for (var i = 0; i < 51; i++)
        {
            using var sent = await platform.Operator.PostAsJsonAsync("/api/messaging/messages", new
            {
                to = member.Phone, body = i == 0 ? "=1+1 is not a formula" : $"{tag} receipt {i}", userId = member.MemberId, idempotencyKey = $"{tag}-{i}",
            });
            Assert.Equal(HttpStatusCode.Accepted, sent.StatusCode);
        }

        var marketer = $"marketer.{tag}@example.com";
        const string password = "offers and texts all day";
        using (var created = await app.AdminGateway.PostAsJsonAsync("/api/console/operators", new { email = marketer, role = "marketer", password }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }
        await using var context = await chromium.NewContextAsync(app);
        var page = await context.NewPageAsync();
        await page.GotoAsync("/console/messages");
        await page.GetByLabel("E-mail").FillAsync(marketer);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("signed-in-as")).ToHaveTextAsync($"{marketer} (marketer)");

        // Her phone as she would say it, and the journey by its name: the journey's one text.
        var national = $"({member.Phone[2..5]}) {member.Phone[5..8]}-{member.Phone[8..]}";
        await page.GotoAsync("/console/messages");
        await page.GetByLabel("Phone").FillAsync(national);
        await page.GetByLabel("Journey").SelectOptionAsync(new SelectOptionValue { Label = journeyName });
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        var rows = page.GetByTestId("messages").Locator("tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(rows.First).ToContainTextAsync($"{tag} thanks for booking, Maya");
        await Assertions.Expect(rows.First).ToContainTextAsync(journeyName);
        await Assertions.Expect(rows.First).ToContainTextAsync(member.Phone);
        await Assertions.Expect(page.GetByTestId("totals")).ToContainTextAsync("1 text");
        await Accessibility.CheckAsync(page, "36-console-messages-by-journey");

        // Every text to her (ours, and any another test's journey sent her): 50 on the first page, the rest one page older, by cursor.
        var total = (await platform.Operator.GetFromJsonAsync<JsonElement>($"/api/messaging/messages/totals?phone={Uri.EscapeDataString(member.Phone)}"))
            .GetProperty("messages").GetInt32();
        Assert.InRange(total, 52, 100);
        await page.GetByLabel("Journey").SelectOptionAsync(new SelectOptionValue { Label = "any" });
        await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("totals")).ToContainTextAsync($"{total} texts");
        await Assertions.Expect(rows).ToHaveCountAsync(50);
        await Assertions.Expect(rows.First).ToContainTextAsync($"{tag} receipt 50");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "← Newer" })).ToHaveCountAsync(0);
        await page.GetByRole(AriaRole.Link, new() { Name = "Older →" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("cursor="));
        await Assertions.Expect(rows).ToHaveCountAsync(total - 50);
        await Assertions.Expect(page.GetByTestId("messages")).ToContainTextAsync("=1+1 is not a formula");
        await Assertions.Expect(page.GetByTestId("messages")).ToContainTextAsync($"{tag} thanks for booking");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Older →" })).ToHaveCountAsync(0);
        await Accessibility.CheckAsync(page, "37-console-messages-second-page");
        await page.GetByRole(AriaRole.Link, new() { Name = "← Newer" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(50);

        // The whole search as CSV: a header and every one of her texts, newest first, the formula defused.
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Export this search as CSV" }).ClickAsync());
        var csv = (await File.ReadAllTextAsync((await download.PathAsync())!, Encoding.UTF8)).TrimStart('\uFEFF');
        var lines = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(total + 1, lines.Length);
        Assert.StartsWith("created_at,id,to,user_id,journey_id,", lines[0], StringComparison.Ordinal);
        Assert.All(lines[1..], line => Assert.Contains($",'{member.Phone},{member.MemberId},", line, StringComparison.Ordinal));
        Assert.Contains($"{tag} receipt 50", lines[1], StringComparison.Ordinal);
        Assert.Contains(lines, line => line.Contains(",'=1+1 is not a formula,", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains($",{journeyId},", StringComparison.Ordinal) && line.Contains($"{tag} thanks for booking, Maya", StringComparison.Ordinal));

        // An offer at a provider found by name, not typed by id.
        await page.GotoAsync("/console/offers");
        var title = $"Marketer offer {tag}";
        await page.GetByLabel("Title").FillAsync(title);
        await page.GetByLabel("Value ($)").FillAsync("15");
        await page.GetByLabel("Provider name").FillAsync("chelsea");
        await page.GetByRole(AriaRole.Button, new() { Name = "Find providers" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("providers-found")).ToContainTextAsync("Chelsea Skin & Laser");
        await Assertions.Expect(page.GetByLabel("Title")).ToHaveValueAsync(title);
        await Accessibility.CheckAsync(page, "38-console-offer-provider-picker");
        await page.GetByLabel("Chelsea Skin & Laser, New York, NY").CheckAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Create offer" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync($"Offer \"{title}\" created");
        var offers = await app.AdminGateway.GetFromJsonAsync<JsonElement>("/api/loyalty/offers");
        var offer = offers.EnumerateArray().Single(o => o.GetProperty("title").GetString() == title);
        var offerId = offer.GetProperty("offerId").GetString()!;
        try
        {
            Assert.Equal(["prv_chelsea_skin"], offer.GetProperty("providerIds").EnumerateArray().Select(p => p.GetString()));
            var row = page.GetByTestId($"offer-{offerId}");
            await Assertions.Expect(row).ToContainTextAsync("Chelsea Skin & Laser");
            await Assertions.Expect(row.GetByTestId("issued")).ToHaveTextAsync("0");

            using var issued = await platform.Operator.PostAsJsonAsync($"/api/loyalty/offers/{offerId}/coupons", new { memberId = member.MemberId });
            Assert.Equal(HttpStatusCode.OK, issued.StatusCode);
            var code = (await issued.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString();
            using var redeemed = await platform.ProviderDesk.PostAsJsonAsync($"/api/loyalty/providers/prv_chelsea_skin/coupons/{code}/redemption", new { memberId = member.MemberId });
            Assert.Equal(HttpStatusCode.OK, redeemed.StatusCode);

            await page.ReloadAsync();
            await Assertions.Expect(row.GetByTestId("issued")).ToHaveTextAsync("1");
            await Assertions.Expect(row.GetByTestId("redeemed")).ToHaveTextAsync("1");
            await Accessibility.CheckAsync(page, "39-console-offers-counts");
        }
        finally
        {
            await app.AdminGateway.PostAsync($"/api/loyalty/offers/{offerId}/deactivate", null);
            await app.AdminGateway.PostAsync($"/api/messaging/journeys/{journeyId}/pause", null);
        }
    }
}
