using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Alle.EndToEndTests.Web;

/// <summary>
/// The member portal in a real browser, through the gateway, against the whole application: joining with a phone and
/// the code from the sandbox inbox, points, provider search, a Flash Rewards check-in whose coupon lands in the wallet
/// and by text, using it at the desk, turning marketing texts off; and what a member must not be able to do.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class MemberPortalBrowserTests(DistributedAppFixture app, Chromium chromium) : IClassFixture<Chromium>
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private const string Provider = "prv_cherry_creek";
    private const string ProviderZip = "80206";

    [Fact]
    public async Task A_new_member_joins_checks_in_uses_her_flash_reward_and_turns_marketing_texts_off()
    {
        var sandbox = app.CreateClient("twilio-sandbox");
        var run = Guid.NewGuid().ToString("N")[..12];
        // The flash offer is only for this test's member (an audience on a trait only she gets), so other tests' check-ins never see it.
        var audienceKey = $"web_flash_{run}";
        await CreateAudienceAsync(audienceKey, new { trait = "web_test_run", @operator = "equals", value = run });
        var flashOfferId = await CreateOfferAsync("/api/loyalty/flash-offers", new
        {
            title = "Flash: $25 off today", value = 25, providerIds = new[] { Provider }, audienceKey, endsAt = DateTimeOffset.UtcNow.AddDays(1), couponValidDays = 7,
        });
        // A standard offer for the same audience shows (through the member's offers) when Loyalty has heard she is in it.
        var audienceOfferId = await CreateOfferAsync("/api/loyalty/offers", new { title = "Members' welcome", value = 10, audienceKey, endsAt = DateTimeOffset.UtcNow.AddDays(1) });
        var journeyId = await CreateJourneyAsync(new
        {
            name = $"Flash reward {run}",
            trigger = new { type = "event", @event = "Provider Checked In", filters = new[] { new { property = "flashOfferId", @operator = "equals", value = flashOfferId } } },
            coupon = new { offerIdProperty = "flashOfferId" },
            template = "Thanks for visiting {{ event.providerName }}! ${{ coupon.value }} off with code {{ coupon.code }}",
        });

        try
        {
            await using var context = await chromium.NewContextAsync(app);
            var page = await context.NewPageAsync();
            var phone = TestPhones.New();
            var timeZone = DaytimeZone();

            // Join: phone → code from the inbox → join form with marketing ticked.
            await page.GotoAsync("/");
            await Chromium.ScreenshotAsync(page, "01-portal-welcome");
            await page.GetByRole(AriaRole.Link, new() { Name = "Sign in or join" }).First.ClickAsync();
            await page.GetByLabel("Mobile number").FillAsync(NationalFormat(phone));
            await page.GetByRole(AriaRole.Button, new() { Name = "Text me a code" }).ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/sign-in/code$"));
            var code = await PortalSignIn.ReadCodeAsync(sandbox, phone);
            await Chromium.ScreenshotAsync(page, "02-portal-code");
            await page.GetByLabel("Code").FillAsync(code);
            await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/join$"));
            await page.GetByLabel("First name").FillAsync("Maya");
            await page.GetByLabel("Last name").FillAsync("Lopez");
            await page.GetByLabel("Zip code").FillAsync(ProviderZip);
            await page.GetByLabel("Time zone").SelectOptionAsync(timeZone);
            await page.GetByRole(AriaRole.Checkbox).CheckAsync();
            await Chromium.ScreenshotAsync(page, "03-portal-join");
            await page.GetByRole(AriaRole.Button, new() { Name = "Join" }).ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/home$"));
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Hi Maya" })).ToBeVisibleAsync();

            var member = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/loyalty/members/lookup?phone={Uri.EscapeDataString(phone)}");
            var memberId = member.GetProperty("memberId").GetString()!;
            Assert.True(member.GetProperty("marketingConsent").GetBoolean());

            // The identify at sign-in stitched her anonymous visit (the welcome page) to her profile.
            await Eventually.TrueAsync(async () =>
            {
                using var events = await app.AdminGateway.GetAsync($"/api/profiles/v1/spaces/default/collections/users/profiles/user_id:{memberId}/events?limit=100");
                return events.IsSuccessStatusCode && (await events.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data").EnumerateArray()
                    .Any(e => e.GetProperty("type").GetString() == "page" && e.TryGetProperty("name", out var name) && name.GetString() == "Welcome");
            }, s_timeout, "the anonymous welcome page view on the member's profile");

            // Her points: a treatment recorded at the desk shows as pending.
            await RecordPurchaseAsync(memberId, $"web-{run}");
            await page.ReloadAsync();
            await Assertions.Expect(page.GetByTestId("points-pending")).ToHaveTextAsync("200");
            await Assertions.Expect(page.GetByTestId("points-available")).ToHaveTextAsync("0");
            await Assertions.Expect(page.GetByTestId("tier")).ToHaveTextAsync("Member");
            await Chromium.ScreenshotAsync(page, "04-portal-home-points");

            // Find a provider: the search is recorded on her profile by Loyalty.
            await page.GetByRole(AriaRole.Link, new() { Name = "Find a provider", Exact = true }).ClickAsync();
            await page.GetByLabel("Zip code").FillAsync(ProviderZip);
            await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
            await Assertions.Expect(page.Locator($"[data-provider-id={Provider}]")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator($"[data-provider-id={Provider}]")).ToContainTextAsync("miles");
            await Chromium.ScreenshotAsync(page, "05-portal-providers");

            // She becomes eligible for the flash offer (audience → Loyalty) and her time zone has reached her profile.
            await IdentifyAsync(memberId, new Dictionary<string, object> { ["web_test_run"] = run });
            await Eventually.TrueAsync(async () =>
                (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/loyalty/members/{memberId}/offers")).EnumerateArray()
                    .Any(o => o.GetProperty("offer").GetProperty("offerId").GetString() == audienceOfferId), s_timeout, "Loyalty knowing the member is in the offers' audience");
            await Eventually.TrueAsync(async () =>
            {
                using var lookup = await app.AdminGateway.GetAsync($"/api/profiles/lookup?userId={memberId}");
                return lookup.IsSuccessStatusCode && (await lookup.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("traits") is var traits
                    && traits.TryGetProperty("timezone", out var zone) && zone.GetString() == timeZone
                    && traits.TryGetProperty("phone", out _);
            }, s_timeout, "the member's time zone and phone on her profile");

            // Check in: the flash offer comes with it; its coupon lands in her wallet and by text.
            await page.GetByRole(AriaRole.Link, new() { Name = "Check in", Exact = true }).ClickAsync();
            var card = page.Locator($"[data-provider-id={Provider}]");
            await card.GetByRole(AriaRole.Button, new() { Name = "I'm here — check in" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("check-in-receipt")).ToContainTextAsync("Flash Reward");
            await Chromium.ScreenshotAsync(page, "06-portal-check-in");

            await page.GotoAsync("/home");
            var couponCode = await Eventually.GetAsync(async () =>
            {
                await page.ReloadAsync();
                var codes = page.GetByTestId("coupon-code");
                return await codes.CountAsync() > 0 ? await codes.First.InnerTextAsync() : null;
            }, s_timeout, "the flash coupon in the wallet");
            Assert.Matches("^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$", couponCode);
            await Assertions.Expect(page.Locator("figure.qr svg").First).ToBeVisibleAsync();
            await Chromium.ScreenshotAsync(page, "07-portal-wallet");
            var text = await Eventually.GetAsync(async () =>
                (await PortalSignIn.TextsToAsync(sandbox, phone)).FirstOrDefault(m => m.Contains(couponCode, StringComparison.Ordinal)), s_timeout, "the flash coupon by text");
            Assert.Contains("$25", text, StringComparison.Ordinal);

            // She uses it at the desk; her history shows it.
            using (var redemption = await ProviderClient().PostAsJsonAsync($"/api/loyalty/providers/{Provider}/coupons/{couponCode}/redemption", new { memberId }))
            {
                Assert.Equal(HttpStatusCode.OK, redemption.StatusCode);
            }
            await page.GetByRole(AriaRole.Link, new() { Name = "History", Exact = true }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("offers-used")).ToContainTextAsync(couponCode);
            await Chromium.ScreenshotAsync(page, "08-portal-history");

            // Marketing texts off: a marketing text to her afterwards is skipped and never reaches her phone.
            await page.GetByRole(AriaRole.Link, new() { Name = "Preferences", Exact = true }).ClickAsync();
            var toggle = page.GetByTestId("marketing-toggle");
            await Assertions.Expect(toggle).ToBeCheckedAsync();
            await toggle.UncheckAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Save text preferences" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("no longer receive offers");
            await Assertions.Expect(page.GetByTestId("marketing-toggle")).Not.ToBeCheckedAsync();
            await page.GetByLabel("E-mail").FillAsync($"maya.{run}@example.com");
            await page.GetByRole(AriaRole.Button, new() { Name = "Save details" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("details are saved");
            await Assertions.Expect(page.GetByLabel("E-mail")).ToHaveValueAsync($"maya.{run}@example.com");
            await Chromium.ScreenshotAsync(page, "09-portal-preferences");

            var body = $"Spring offer {run}: 20% off your next visit";
            using var send = await app.AdminGateway.PostAsJsonAsync("/api/messaging/messages", new { to = phone, body, category = "marketing", userId = memberId });
            var messageId = (await send.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
            var settled = await Eventually.GetValueAsync<JsonElement>(async () =>
                await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/messages/{messageId}") is var message
                    && message.GetProperty("status").GetString() is "skipped" or "delivered" or "sent" or "queued" or "failed" ? message : null,
                s_timeout, "the marketing text settled");
            Assert.Equal("skipped", settled.GetProperty("status").GetString());
            Assert.DoesNotContain(await PortalSignIn.TextsToAsync(sandbox, phone), m => m.Contains(body, StringComparison.Ordinal));

            // Sign-out ends the session: her pages send her to sign in again.
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
            await page.GotoAsync("/home");
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/sign-in"));
        }
        finally
        {
            await app.AdminGateway.PostAsync($"/api/loyalty/offers/{flashOfferId}/deactivate", null);
            await app.AdminGateway.PostAsync($"/api/loyalty/offers/{audienceOfferId}/deactivate", null);
            await app.AdminGateway.PostAsync($"/api/messaging/journeys/{journeyId}/pause", null);
        }
    }

    [Fact]
    public async Task A_member_cannot_open_another_members_coupon_and_forms_without_the_antiforgery_token_are_refused()
    {
        var run = Guid.NewGuid().ToString("N")[..12];
        var offerId = await CreateOfferAsync("/api/loyalty/offers", new { title = $"Welcome {run}", value = 10, endsAt = DateTimeOffset.UtcNow.AddDays(1) });
        try
        {
            var other = await EnrolAsync(TestPhones.New(), "Other");
            var othersCode = await IssueCouponAsync(offerId, other);

            await using var context = await chromium.NewContextAsync(app);
            var page = await context.NewPageAsync();
            var phone = TestPhones.New();
            var memberId = await PortalSignIn.SignInThroughTheBrowserAsync(app, page, phone);
            var ownCode = await IssueCouponAsync(offerId, memberId);

            var own = await page.GotoAsync($"/wallet/{ownCode}");
            Assert.Equal(200, own!.Status);
            await Assertions.Expect(page.GetByTestId("coupon-code")).ToHaveTextAsync(ownCode);

            // Changing the code in the URL to another member's finds nothing, whatever else the URL claims.
            var theirs = await page.GotoAsync($"/wallet/{othersCode}?memberId={other}");
            Assert.Equal(404, theirs!.Status);
            Assert.DoesNotContain(othersCode, await page.ContentAsync(), StringComparison.Ordinal);
            await Chromium.ScreenshotAsync(page, "10-portal-other-members-coupon");
            var home = await page.GotoAsync($"/home?memberId={other}");
            Assert.Equal(200, home!.Status);
            Assert.DoesNotContain(othersCode, await page.ContentAsync(), StringComparison.Ordinal);

            // A form posted without its antiforgery token changes nothing.
            var refused = await context.APIRequest.PostAsync("/preferences?handler=Marketing", new() { Form = context.APIRequest.CreateFormData().Set("marketing", "true") });
            Assert.Equal(400, refused.Status);
            await page.GotoAsync("/preferences");
            await Assertions.Expect(page.GetByTestId("marketing-toggle")).Not.ToBeCheckedAsync();
            var anonymous = await chromium.Browser.NewContextAsync(new() { BaseURL = app.Endpoint("gateway").ToString().TrimEnd('/') });
            var signIn = await anonymous.APIRequest.PostAsync("/sign-in", new() { Form = anonymous.APIRequest.CreateFormData().Set("Phone", TestPhones.New()) });
            Assert.Equal(400, signIn.Status);
            await anonymous.CloseAsync();
        }
        finally
        {
            await app.AdminGateway.PostAsync($"/api/loyalty/offers/{offerId}/deactivate", null);
        }
    }

    private async Task CreateAudienceAsync(string key, object condition)
    {
        using var response = await app.AdminGateway.PostAsJsonAsync("/api/audiences", new { key, name = key, condition });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private async Task<string> CreateOfferAsync(string path, object offer)
    {
        using var response = await app.AdminGateway.PostAsJsonAsync(path, offer);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("offerId").GetString()!;
    }

    private async Task<string> CreateJourneyAsync(object definition)
    {
        using var response = await app.AdminGateway.PostAsJsonAsync("/api/messaging/journeys", definition);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private async Task<string> EnrolAsync(string phone, string firstName)
    {
        using var response = await app.AdminGateway.PostAsJsonAsync("/api/loyalty/members", new { phone, firstName, lastName = "Test", marketingConsent = false });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("memberId").GetString()!;
    }

    private async Task<string> IssueCouponAsync(string offerId, string memberId)
    {
        using var response = await app.AdminGateway.PostAsJsonAsync($"/api/loyalty/offers/{offerId}/coupons", new { memberId });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("code").GetString()!;
    }

    private async Task RecordPurchaseAsync(string memberId, string purchaseId)
    {
        using var response = await ProviderClient().PostAsJsonAsync($"/api/loyalty/providers/{Provider}/purchases",
            new { purchaseId, memberId, treatments = new[] { new { product = "botox-cosmetic", amount = 450 } } });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    private async Task IdentifyAsync(string userId, Dictionary<string, object> traits)
    {
        using var response = await app.CreateTrackingClient("portal").PostAsJsonAsync("/v1/identify", new { userId, messageId = Guid.NewGuid().ToString(), traits });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private HttpClient ProviderClient()
    {
        var client = app.CreateClient("gateway");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", app.Parameter("provider-key"));
        return client;
    }

    private static string NationalFormat(string e164) => $"({e164[2..5]}) {e164[5..8]}-{e164[8..]}";

    /// <summary>A zone from the portal's list where it is now daytime, so quiet hours never hold the flash text.</summary>
    private static string DaytimeZone() =>
        new[] { "America/New_York", "America/Los_Angeles", "Pacific/Honolulu", "Europe/London", "Europe/Berlin", "Asia/Dubai", "Asia/Kolkata", "Asia/Tokyo", "Australia/Sydney" }
            .First(zone => TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById(zone)).Hour is >= 10 and <= 17);
}
