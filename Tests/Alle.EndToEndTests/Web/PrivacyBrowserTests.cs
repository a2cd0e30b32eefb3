using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;

namespace Alle.EndToEndTests.Web;

/// <summary>
/// The portal's Privacy page in a real browser, through the gateway, against the whole application: a new member
/// downloads her data (her own profile, as a JSON file), is refused a deletion she has not confirmed, then deletes her
/// account — she is signed out, every service forgets her, signing in again finds no member, and a new event carrying
/// her phone is dropped without recreating her profile.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class PrivacyBrowserTests(DistributedAppFixture app, Chromium chromium) : IClassFixture<Chromium>
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private const string ProfilesApi = "/api/profiles/v1/spaces/default/collections/users/profiles";

    [Fact]
    public async Task A_member_downloads_her_data_and_deletes_her_account_only_once_she_has_confirmed()
    {
        var sandbox = app.CreateClient("twilio-sandbox");
        var run = Guid.NewGuid().ToString("N")[..12];
        var phone = TestPhones.New();
        await using var context = await chromium.NewContextAsync(app);
        var page = await context.NewPageAsync();

        // She declines marketing texts: that must not stop her sign-in code after the deletion, when she comes back below.
        var memberId = await PortalSignIn.SignInThroughTheBrowserAsync(app, page, phone);
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Hi Ana" })).ToBeVisibleAsync();

        // Her profile holds her identity, her details and the enrolment and sign-in events; Messaging her consent and code.
        var timeline = await Eventually.GetAsync(async () =>
        {
            var events = await TimelineAsync(memberId);
            return events.Any(e => IsEvent(e, "Member Enrolled")) && events.Any(e => IsEvent(e, "Signed In")) ? events : null;
        }, s_timeout, "her enrolment and sign-in on her profile");
        var profile = await Eventually.GetValueAsync(async () =>
            await ProfileAsync($"userId={memberId}") is { } found && HasIdentifier(found, "phone", phone)
                && found.GetProperty("traits").TryGetProperty("firstName", out var firstName) && firstName.GetString() == "Ana"
                ? found : (JsonElement?)null, s_timeout, "her phone and name on her profile");
        var profileId = profile.GetProperty("profileId").GetString()!;
        await Eventually.TrueAsync(async () => (await ConsentAsync(phone)).GetProperty("consents").GetArrayLength() == 2, s_timeout, "her enrolment consent in messaging");
        Assert.NotEmpty(await MessagesToAsync(phone));

        await page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Privacy" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/privacy$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Privacy", Exact = true })).ToBeVisibleAsync();
        await Chromium.ScreenshotAsync(page, "11-portal-privacy");

        // A deletion she has not fully confirmed is refused: nothing ticked or typed; "delete" in the wrong case; DELETE without the box.
        foreach (var (tick, typed) in new[] { (false, ""), (true, "delete"), (false, "DELETE") })
        {
            await page.GotoAsync("/privacy");
            if (tick)
            {
                await page.GetByLabel("I understand that my points and coupons will be lost.").CheckAsync();
            }
            await page.GetByLabel("Type DELETE to confirm").FillAsync(typed);
            await page.GetByRole(AriaRole.Button, new() { Name = "Delete my account" }).ClickAsync();
            await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("To delete your account, tick the box and type DELETE.");
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/privacy"));
            await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign out" })).ToBeVisibleAsync();
        }
        await Chromium.ScreenshotAsync(page, "12-portal-privacy-delete-refused");
        Assert.True(await HasMemberCookieAsync(context));
        using (var stillMember = await app.AdminGateway.GetAsync($"/api/loyalty/members/lookup?phone={Uri.EscapeDataString(phone)}"))
        {
            Assert.Equal(HttpStatusCode.OK, stillMember.StatusCode);
            Assert.Equal(memberId, (await stillMember.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("memberId").GetString());
        }
        Assert.Equal(profileId, (await ProfileAsync($"userId={memberId}"))?.GetProperty("profileId").GetString());
        await page.GotoAsync("/home");
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Hi Ana" })).ToBeVisibleAsync();

        // Download my data: one JSON file with a part from every service that holds something about her, each naming its service.
        await page.GotoAsync("/privacy");
        await Accessibility.CheckAsync(page, "11b-portal-privacy-checked");
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Link, new() { Name = "Download my data" }).ClickAsync());
        Assert.Null(await download.FailureAsync());
        Assert.Equal("alle-my-data.json", download.SuggestedFilename);
        using var document = JsonDocument.Parse(await File.ReadAllTextAsync((await download.PathAsync())!));
        Assert.Equal(memberId, document.RootElement.GetProperty("userId").GetString());
        var parts = document.RootElement.GetProperty("parts").EnumerateArray().ToDictionary(p => p.GetProperty("service").GetString()!, p => p);
        Assert.Equal(["profiles", "loyalty", "messaging", "audiences", "destinations"], parts.Keys);
        Assert.All(parts.Values, p => Assert.Equal(JsonValueKind.Null, p.GetProperty("error").ValueKind));

        // Profiles: her identifiers, her details, her events and nobody else's.
        var export = parts["profiles"].GetProperty("data");
        Assert.Equal(memberId, export.GetProperty("userId").GetString());
        Assert.Equal(profileId, export.GetProperty("profileId").GetString());
        Assert.True(HasIdentifier(export, "user_id", memberId));
        Assert.True(HasIdentifier(export, "phone", phone));
        Assert.Equal("Ana", export.GetProperty("traits").GetProperty("firstName").GetProperty("value").GetString());
        Assert.Equal("Silva", export.GetProperty("traits").GetProperty("lastName").GetProperty("value").GetString());
        var exported = export.GetProperty("events").EnumerateArray().ToList();
        var exportedIds = exported.Select(e => e.GetProperty("message_id").GetString()).ToHashSet();
        Assert.Contains(MessageIdOf(timeline, "Member Enrolled"), exportedIds);
        Assert.Contains(MessageIdOf(timeline, "Signed In"), exportedIds);
        Assert.All(exported, e => Assert.Equal(profileId, e.GetProperty("related").GetProperty("users").GetString()));
        Assert.True(export.TryGetProperty("merges", out _));
        // Loyalty: her member record with the consent wording she saw, balance, ledger, coupons, check-ins, tier history.
        var loyalty = parts["loyalty"].GetProperty("data");
        Assert.Equal(memberId, loyalty.GetProperty("member").GetProperty("memberId").GetString());
        Assert.Contains("[ ]", loyalty.GetProperty("enrolment").GetProperty("consentWording").GetString(), StringComparison.Ordinal);
        foreach (var member in new[] { "balance", "ledger", "purchases", "tierHistory", "coupons", "checkIns", "audienceMemberships" })
        {
            Assert.True(loyalty.TryGetProperty(member, out _), $"loyalty's part has {member}");
        }
        // Messaging: her consent with its evidence and audit trail, her texts with the code masked and their statuses.
        var messaging = parts["messaging"].GetProperty("data");
        var consent = Assert.Single(messaging.GetProperty("consent").EnumerateArray());
        Assert.Equal(2, consent.GetProperty("current").GetArrayLength());
        Assert.Contains(consent.GetProperty("audit").EnumerateArray(), a => a.GetProperty("evidence").GetString()!.Contains("sign-in codes", StringComparison.Ordinal));
        var code = Assert.Single(messaging.GetProperty("messages").EnumerateArray(), m => m.GetProperty("purpose").GetString() == "verification");
        Assert.Contains("••••••", code.GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.NotEmpty(code.GetProperty("history").EnumerateArray());
        Assert.True(messaging.TryGetProperty("journeyEntries", out _));
        // Audiences: her memberships and computed traits as Audiences holds them.
        Assert.True(parts["audiences"].GetProperty("data").TryGetProperty("current", out _));
        // Destinations: the consent she sent, her events' deliveries and what syncs told destinations, under her id.
        var destinations = parts["destinations"].GetProperty("data");
        Assert.Equal(memberId, destinations.GetProperty("userId").GetString());
        Assert.Equal(JsonValueKind.Array, destinations.GetProperty("deliveries").ValueKind);
        Assert.Equal(JsonValueKind.Array, destinations.GetProperty("syncs").ValueKind);

        // The same as a page a person reads, each part naming its service.
        await page.GetByRole(AriaRole.Link, new() { Name = "Read a summary" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/privacy/summary$"));
        await Assertions.Expect(page.GetByTestId("export-part")).ToHaveCountAsync(5);
        await Assertions.Expect(page.Locator("[data-service=loyalty]")).ToContainTextAsync("From the loyalty service");
        await Assertions.Expect(page.Locator("[data-service=messaging]")).ToContainTextAsync("••••••");
        await Accessibility.CheckAsync(page, "11c-portal-privacy-summary");
        await page.GotoAsync("/privacy");

        // Confirmed: the box ticked and DELETE typed.
        var anonymousIdBefore = await CookieAsync(context, "ajs_anonymous_id");
        Assert.NotNull(anonymousIdBefore);
        await page.GetByLabel("I understand that my points and coupons will be lost.").CheckAsync();
        await page.GetByLabel("Type DELETE to confirm").FillAsync("DELETE");
        await Chromium.ScreenshotAsync(page, "13-portal-privacy-delete-confirmed");
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete my account" }).ClickAsync();

        // She is signed out, on the welcome page, with a new anonymous id.
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/$"));
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Your account is being deleted.");
        await Assertions.Expect(page.GetByRole(AriaRole.Navigation, new() { Name = "Main" }).GetByRole(AriaRole.Link, new() { Name = "Sign in or join" })).ToBeVisibleAsync();
        await Chromium.ScreenshotAsync(page, "14-portal-privacy-account-deleted");
        Assert.False(await HasMemberCookieAsync(context));
        var anonymousIdAfter = await CookieAsync(context, "ajs_anonymous_id");
        Assert.NotNull(anonymousIdAfter);
        Assert.NotEqual(anonymousIdBefore, anonymousIdAfter);
        await page.GotoAsync("/privacy");
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/sign-in"));

        // Every service forgets her: her profile, her membership, her texts and consent.
        await Eventually.TrueAsync(async () => await ProfileAsync($"userId={memberId}") is null && await ProfileAsync($"phone={Uri.EscapeDataString(phone)}") is null,
            s_timeout, "her profile deleted");
        using (var traits = await app.AdminGateway.GetAsync($"{ProfilesApi}/user_id:{memberId}/traits"))
        {
            Assert.Equal(HttpStatusCode.NotFound, traits.StatusCode);
        }
        await Eventually.TrueAsync(async () => await LoyaltyStatusAsync(phone) == HttpStatusCode.NotFound, s_timeout, "her membership deleted");
        await Eventually.TrueAsync(async () => (await MessagesToAsync(phone)).Count == 0 && (await ConsentAsync(phone)).GetProperty("consents").GetArrayLength() == 0,
            s_timeout, "her texts and consent deleted in messaging");

        // Signing in again with her phone finds no member: the join form, empty.
        var textsBefore = (await PortalSignIn.TextsToAsync(sandbox, phone)).Count;
        await page.GetByLabel("Mobile number").FillAsync(phone);
        await page.GetByRole(AriaRole.Button, new() { Name = "Text me a code" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/sign-in/code$"));
        await page.GetByLabel("Code").FillAsync(await PortalSignIn.ReadCodeAsync(sandbox, phone, textsBefore));
        await page.GetByRole(AriaRole.Button, new() { Name = "Continue" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/join$"));
        await Assertions.Expect(page.GetByLabel("First name")).ToHaveValueAsync("");
        await Assertions.Expect(page.GetByLabel("Last name")).ToHaveValueAsync("");
        await Chromium.ScreenshotAsync(page, "15-portal-privacy-signed-in-again");
        Assert.Equal(HttpStatusCode.NotFound, await LoyaltyStatusAsync(phone));

        // A new event carrying her phone (from someone new) or her user id is dropped at ingestion ...
        var tracking = app.CreateTrackingClient("portal");
        var newcomer = $"privacy-newcomer-{run}";
        await Eventually.TrueAsync(async () =>
        {
            var byPhone = Guid.NewGuid().ToString();
            var asHer = Guid.NewGuid().ToString();
            await SendAsync(tracking, "/v1/track", new { messageId = byPhone, userId = newcomer, @event = "Offer Viewed", context = new { traits = new { phone } } });
            await SendAsync(tracking, "/v1/identify", new { messageId = asHer, userId = memberId, traits = new { firstName = "Ana", phone } });
            var rejected = (await app.AdminGateway.GetFromJsonAsync<JsonElement>("/api/ingestion/sources/portal/rejected?reason=suppressed&limit=500"))
                .GetProperty("recent").EnumerateArray().Select(r => r.GetProperty("messageId").GetString()).ToHashSet();
            return rejected.Contains(byPhone) && rejected.Contains(asHer);
        }, s_timeout, "events carrying her phone or her user id dropped as suppressed");

        // ... and her profile is not recreated: a later event from someone else is resolved, hers still are not.
        var marker = $"privacy-marker-{run}";
        await SendAsync(tracking, "/v1/track", new { userId = marker, @event = "Offer Viewed" });
        await Eventually.TrueAsync(async () => await ProfileAsync($"userId={marker}") is not null, s_timeout, "the marker event on its profile");
        Assert.Null(await ProfileAsync($"userId={memberId}"));
        Assert.Null(await ProfileAsync($"phone={Uri.EscapeDataString(phone)}"));
        Assert.Null(await ProfileAsync($"userId={newcomer}"));
    }

    /// <summary>Profiles' look-up answer (<c>userId=…</c> or <c>phone=…</c>), or null when Profiles knows nobody by it.</summary>
    private async Task<JsonElement?> ProfileAsync(string query)
    {
        using var lookup = await app.AdminGateway.GetAsync($"/api/profiles/lookup?{query}");
        if (lookup.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        Assert.Equal(HttpStatusCode.OK, lookup.StatusCode);
        return await lookup.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Her profile's timeline (newest first), empty while Profiles does not know her.</summary>
    private async Task<List<JsonElement>> TimelineAsync(string memberId)
    {
        using var response = await app.AdminGateway.GetAsync($"{ProfilesApi}/user_id:{memberId}/events?limit=100");
        return response.StatusCode == HttpStatusCode.OK
            ? [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data").EnumerateArray()]
            : [];
    }

    private static bool IsEvent(JsonElement timelineEntry, string name) =>
        timelineEntry.TryGetProperty("event", out var value) && value.ValueKind == JsonValueKind.String && value.GetString() == name;

    private static string MessageIdOf(List<JsonElement> timeline, string eventName) =>
        timeline.First(e => IsEvent(e, eventName)).GetProperty("message_id").GetString()!;

    private static bool HasIdentifier(JsonElement profile, string type, string value) =>
        profile.GetProperty("identifiers").EnumerateArray().Any(i => i.GetProperty("type").GetString() == type && i.GetProperty("value").GetString() == value);

    private async Task<HttpStatusCode> LoyaltyStatusAsync(string phone)
    {
        using var lookup = await app.AdminGateway.GetAsync($"/api/loyalty/members/lookup?phone={Uri.EscapeDataString(phone)}");
        return lookup.StatusCode;
    }

    private async Task<List<JsonElement>> MessagesToAsync(string phone) =>
        [.. (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/messages?phone={Uri.EscapeDataString(phone)}")).GetProperty("data").EnumerateArray()];

    private Task<JsonElement> ConsentAsync(string phone) =>
        app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/consent/{Uri.EscapeDataString(phone)}");

    private static async Task SendAsync(HttpClient tracking, string path, object call)
    {
        using var response = await tracking.PostAsJsonAsync(path, call);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static async Task<bool> HasMemberCookieAsync(IBrowserContext context) =>
        (await context.CookiesAsync()).Any(c => c.Name.StartsWith(".alle.member", StringComparison.Ordinal));

    private static async Task<string?> CookieAsync(IBrowserContext context, string name) =>
        (await context.CookiesAsync()).FirstOrDefault(c => c.Name == name)?.Value;
}
