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
            // Her browser says Tokyo: the join form starts there.
            await using var context = await chromium.NewContextAsync(app, timeZone: "Asia/Tokyo");
            var page = await context.NewPageAsync();
            var phone = TestPhones.New();
            var timeZone = DaytimeZone();

            // Join: phone → code from the inbox → join form with marketing ticked.
            await page.GotoAsync("/");
            await Accessibility.CheckAsync(page, "01-portal-welcome");
            using (var favicon = await app.Gateway.GetAsync("/favicon.ico"))
            {
                Assert.Equal(HttpStatusCode.OK, favicon.StatusCode);
            }
            Assert.Equal(1, await page.Locator("link[rel=icon][href='/favicon.svg']").CountAsync());
            await page.GetByRole(AriaRole.Link, new() { Name = "Sign in or join" }).First.ClickAsync();
            await page.GetByLabel("Mobile number").FillAsync(NationalFormat(phone));
            await page.GetByRole(AriaRole.Button, new() { Name = "Text me a code" }).ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/sign-in/code$"));
            var code = await PortalSignIn.ReadCodeAsync(sandbox, phone);
            await Assertions.Expect(page.GetByTestId("delivery-status")).ToHaveTextAsync("Delivered to your phone.");
            await Accessibility.CheckAsync(page, "02-portal-code");
            await page.GetByLabel("Code").FillAsync(code);
            await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/join$"));
            await Assertions.Expect(page.GetByLabel("Time zone")).ToHaveValueAsync("Asia/Tokyo");
            await Accessibility.CheckAsync(page, "03-portal-join");

            // A name over the limit is refused beside its field, with the limit, and nothing is cut.
            var longName = new string('M', 101);
            await page.GetByLabel("First name").FillAsync(longName);
            await page.GetByLabel("Last name").FillAsync("Lopez");
            await page.GetByLabel("Date of birth").FillAsync(DateTime.UtcNow.AddYears(-10).ToString("yyyy-MM-dd"));
            await page.GetByRole(AriaRole.Button, new() { Name = "Join" }).ClickAsync();
            await Assertions.Expect(page.Locator("#first-name-error")).ToHaveTextAsync("Your first name can be at most 100 characters long (this one has 101).");
            await Assertions.Expect(page.Locator("#birthday-error")).ToHaveTextAsync("Members must be 18 or older.");
            await Assertions.Expect(page.GetByLabel("First name")).ToHaveValueAsync(longName);
            Assert.DoesNotContain("The field", await page.InnerTextAsync("main"), StringComparison.Ordinal);
            await Accessibility.CheckAsync(page, "03b-portal-join-errors");

            await page.GetByLabel("First name").FillAsync("Maya");
            await page.GetByLabel("Date of birth").FillAsync("");
            await page.GetByLabel("Zip code").FillAsync(ProviderZip);
            await page.GetByLabel("Find a zone").FillAsync("honolulu");
            await Assertions.Expect(page.GetByLabel("Time zone")).ToHaveValueAsync("Pacific/Honolulu");
            await page.GetByLabel("Time zone").SelectOptionAsync(timeZone);
            await page.GetByRole(AriaRole.Checkbox).CheckAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Join" }).ClickAsync();
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/home$"));
            await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Hi Maya" })).ToBeVisibleAsync();
            // A new member is welcomed with what to do first; her empty wallet points to real pages.
            await Assertions.Expect(page.GetByTestId("welcome")).ToContainTextAsync("Find a participating provider");
            await Assertions.Expect(page.GetByTestId("empty-wallet").GetByRole(AriaRole.Link, new() { Name = "Check in at a provider" })).ToHaveAttributeAsync("href", "/check-in");
            await Accessibility.CheckAsync(page, "03c-portal-home-new-member");

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
            await Assertions.Expect(page.GetByTestId("welcome")).ToHaveCountAsync(0);
            await Accessibility.CheckAsync(page, "04-portal-home-points");

            // Find a provider: the search is recorded on her profile by Loyalty.
            await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Find a provider", Exact = true }).ClickAsync();
            await page.GetByLabel("Zip code").FillAsync(ProviderZip);
            await page.GetByRole(AriaRole.Button, new() { Name = "Search" }).ClickAsync();
            await Assertions.Expect(page.Locator($"[data-provider-id={Provider}]")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator($"[data-provider-id={Provider}]")).ToContainTextAsync("miles");
            await Assertions.Expect(page.Locator($"[data-provider-id={Provider}]").GetByTestId("provider-phone")).ToHaveTextAsync(new Regex(@"^\(303\) 555-\d{4}$"));
            await Accessibility.CheckAsync(page, "05-portal-providers");

            // A zip with no provider within the radius: the nearest ones, with their distance.
            await page.GotoAsync("/providers?zip=59801&radius=25");
            await Assertions.Expect(page.GetByTestId("no-provider-within")).ToContainTextAsync("No participating provider is within 25 miles");
            Assert.Equal(3, await page.GetByTestId("provider").CountAsync());
            await Assertions.Expect(page.GetByTestId("provider-distance").First).ToContainTextAsync("miles");
            await Accessibility.CheckAsync(page, "05b-portal-providers-nearest");

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
            await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Check in", Exact = true }).ClickAsync();
            var card = page.Locator($"[data-provider-id={Provider}]");
            await card.GetByRole(AriaRole.Button, new() { Name = "I'm here — check in" }).ClickAsync();
            // The reward is in her wallet the moment she checks in, with its offer, value and where it is valid; its text is on its way (daytime).
            var receipt = page.GetByTestId("check-in-receipt");
            await Assertions.Expect(receipt).ToContainTextAsync("it is in your wallet now");
            await Assertions.Expect(receipt.GetByTestId("coupon-title")).ToHaveTextAsync("Flash: $25 off today");
            await Assertions.Expect(receipt.GetByTestId("coupon-valid-at")).ToContainTextAsync("Valid only at Cherry Creek");
            await Assertions.Expect(receipt.GetByTestId("text-timing")).ToHaveTextAsync("Its text is on its way to your phone now.");
            await Accessibility.CheckAsync(page, "06-portal-check-in");

            // Not twice at the same provider: the refusal says why and until when.
            await page.Locator($"[data-provider-id={Provider}]").GetByRole(AriaRole.Button, new() { Name = "I'm here — check in" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("check-in-refused")).ToContainTextAsync("You already checked in at Cherry Creek");
            await Assertions.Expect(page.GetByTestId("check-in-refused")).ToContainTextAsync("you can check in here again after");
            await Chromium.ScreenshotAsync(page, "06b-portal-check-in-refused");

            await page.GotoAsync("/home");
            var couponCode = await page.GetByTestId("coupon-code").First.InnerTextAsync();
            Assert.Matches("^[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}$", couponCode);
            var walletCoupon = page.GetByTestId("coupon").First;
            await Assertions.Expect(walletCoupon.GetByTestId("coupon-title")).ToHaveTextAsync("Flash: $25 off today");
            await Assertions.Expect(walletCoupon).ToContainTextAsync("$25 off");
            await Assertions.Expect(walletCoupon.GetByTestId("coupon-valid-at")).ToContainTextAsync("Cherry Creek");
            await Assertions.Expect(walletCoupon.GetByTestId("coupon-expiry")).ToContainTextAsync("Use by");
            Assert.DoesNotContain("Reward", await walletCoupon.GetByTestId("coupon-title").InnerTextAsync(), StringComparison.Ordinal);
            await Assertions.Expect(page.Locator("figure.qr svg").First).ToBeVisibleAsync();
            await Accessibility.CheckAsync(page, "07-portal-wallet");

            // The page the desk scans says the same.
            await page.GotoAsync($"/wallet/{couponCode}");
            await Assertions.Expect(page.GetByTestId("coupon-title")).ToHaveTextAsync("Flash: $25 off today");
            await Assertions.Expect(page.GetByTestId("coupon-valid-at")).ToContainTextAsync("Cherry Creek");
            await Assertions.Expect(page.GetByTestId("coupon-expiry")).ToContainTextAsync("Use by");
            await Accessibility.CheckAsync(page, "07b-portal-wallet-desk");
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
            await Assertions.Expect(page.GetByTestId("check-ins")).ToContainTextAsync("Cherry Creek");
            await Assertions.Expect(page.GetByTestId("coupons-received")).ToContainTextAsync("Flash: $25 off today");
            await Assertions.Expect(page.GetByTestId("consent-changes")).ToContainTextAsync("when you joined");
            await Accessibility.CheckAsync(page, "08-portal-history");

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
            await Accessibility.CheckAsync(page, "09-portal-preferences");

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

    [Fact]
    public async Task At_night_a_check_in_puts_the_reward_in_the_wallet_now_and_says_when_its_text_will_come_and_the_log_shows_that_time()
    {
        var sandbox = app.CreateClient("twilio-sandbox");
        var run = Guid.NewGuid().ToString("N")[..12];
        var audienceKey = $"web_night_{run}";
        await CreateAudienceAsync(audienceKey, new { trait = "web_night_run", @operator = "equals", value = run });
        var flashOfferId = await CreateOfferAsync("/api/loyalty/flash-offers", new
        {
            title = "Night owl: $15 off", value = 15, providerIds = new[] { Provider }, audienceKey, endsAt = DateTimeOffset.UtcNow.AddDays(2), couponValidDays = 7,
        });
        // A standard offer for the same audience shows when Loyalty has heard she is in it.
        var audienceOfferId = await CreateOfferAsync("/api/loyalty/offers", new { title = "Night owls' welcome", value = 5, audienceKey, endsAt = DateTimeOffset.UtcNow.AddDays(1) });
        var journeyId = await CreateJourneyAsync(new
        {
            name = $"Night flash {run}",
            trigger = new { type = "event", @event = "Provider Checked In", filters = new[] { new { property = "flashOfferId", @operator = "equals", value = flashOfferId } } },
            coupon = new { offerIdProperty = "flashOfferId" },
            template = "Allē: ${{ coupon.value }} off with code {{ coupon.code }}",
        });
        try
        {
            await using var context = await chromium.NewContextAsync(app);
            var page = await context.NewPageAsync();
            var phone = TestPhones.New();
            var memberId = await PortalSignIn.SignInThroughTheBrowserAsync(app, page, phone);

            // Offers by text on, and her time zone one where it is the middle of the night now.
            var night = NightZone();
            await page.GotoAsync("/preferences");
            await page.GetByTestId("marketing-toggle").CheckAsync();
            await page.GetByRole(AriaRole.Button, new() { Name = "Save text preferences" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("marketing-state")).ToHaveTextAsync("on");
            await page.Locator("#timeZone").SelectOptionAsync(night);
            await page.GetByRole(AriaRole.Button, new() { Name = "Save time zone" }).ClickAsync();
            await IdentifyAsync(memberId, new Dictionary<string, object> { ["web_night_run"] = run });
            await Eventually.TrueAsync(async () =>
                (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/loyalty/members/{memberId}/offers")).EnumerateArray()
                    .Any(o => o.GetProperty("offer").GetProperty("offerId").GetString() == audienceOfferId)
                && (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/profiles/lookup?userId={memberId}")).GetProperty("traits") is var traits
                && traits.TryGetProperty("timezone", out var zone) && zone.GetString() == night,
                s_timeout, "her night time zone on her profile and the flash offer's audience at Loyalty");

            await page.GotoAsync($"/check-in?zip={ProviderZip}");
            await page.Locator($"[data-provider-id={Provider}]").GetByRole(AriaRole.Button, new() { Name = "I'm here — check in" }).ClickAsync();
            var receipt = page.GetByTestId("check-in-receipt");
            await Assertions.Expect(receipt).ToContainTextAsync("it is in your wallet now");
            await Assertions.Expect(receipt.GetByTestId("coupon-title")).ToHaveTextAsync("Night owl: $15 off");
            await Assertions.Expect(receipt.GetByTestId("text-timing")).ToContainTextAsync("We do not text offers at night, so its text will come at 8:00 AM");
            Assert.DoesNotContain("in a moment", await receipt.InnerTextAsync(), StringComparison.Ordinal);
            await Accessibility.CheckAsync(page, "16-portal-check-in-at-night");

            // One visit at a time: checking in elsewhere now is refused, with the reason.
            await page.GotoAsync("/check-in?zip=10001");
            await page.Locator("[data-testid=provider]").First.GetByRole(AriaRole.Button).ClickAsync();
            await Assertions.Expect(page.GetByTestId("check-in-refused")).ToContainTextAsync("You can check in at one provider at a time");

            // The text waits for the morning: deferred with its send time, shown in the console's message log.
            var deferred = await Eventually.GetValueAsync<JsonElement>(async () =>
                (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/messages?journeyId={journeyId}")).GetProperty("data").EnumerateArray()
                    .FirstOrDefault(m => m.GetProperty("status").GetString() == "deferred") is { ValueKind: JsonValueKind.Object } message ? message : null,
                s_timeout, "the flash text deferred by quiet hours");
            var sendAt = deferred.GetProperty("notBefore").GetDateTimeOffset();
            Assert.Equal(8, TimeZoneInfo.ConvertTime(sendAt, TimeZoneInfo.FindSystemTimeZoneById(night)).Hour);
            await page.GotoAsync("/console/messages");
            await page.GetByLabel("Admin key").FillAsync(app.AdminKey);
            await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await page.GotoAsync($"/console/messages?journeyId={journeyId}");
            await Assertions.Expect(page.GetByTestId("scheduled")).ToHaveTextAsync($"scheduled for {sendAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z");
            await Chromium.ScreenshotAsync(page, "32-console-messages-scheduled");
            Assert.DoesNotContain(await PortalSignIn.TextsToAsync(sandbox, phone), m => m.Contains("Night owl", StringComparison.Ordinal) || m.Contains("$15", StringComparison.Ordinal));
        }
        finally
        {
            await app.AdminGateway.PostAsync($"/api/loyalty/offers/{flashOfferId}/deactivate", null);
            await app.AdminGateway.PostAsync($"/api/loyalty/offers/{audienceOfferId}/deactivate", null);
            await app.AdminGateway.PostAsync($"/api/messaging/journeys/{journeyId}/pause", null);
        }
    }

    /// <summary>A zone of the portal's list where it is now between 1 and 5 in the morning, so quiet hours hold a marketing text.</summary>
    private static string NightZone() =>
        TimeZoneInfo.GetSystemTimeZones().Select(z => z.Id)
            .Where(id => id.Contains('/', StringComparison.Ordinal) && !id.StartsWith("Etc/", StringComparison.Ordinal))
            .First(id => TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, TimeZoneInfo.FindSystemTimeZoneById(id)).Hour is >= 1 and <= 5
                && TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow.AddMinutes(30), TimeZoneInfo.FindSystemTimeZoneById(id)).Hour <= 6);

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
