using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.IntegrationTests.Messaging;

/// <summary>Keywords texted from the sandbox's phones, consent records and their audit trail, marketing rules at send time.</summary>
[Collection(StackCollection.Name)]
public sealed class ConsentTests(DistributedAppFixture app)
{
    private readonly MessagingClient _messaging = new(app);

    private static IEnumerable<(string Category, bool Subscribed, string Source)> Current(JsonElement consent) =>
        consent.GetProperty("consents").EnumerateArray().Select(c => (c.GetProperty("category").GetString()!, c.GetProperty("subscribed").GetBoolean(), c.GetProperty("source").GetString()!));

    [Fact]
    public async Task Stop_unsubscribes_from_everything_with_one_confirmation_and_start_resubscribes()
    {
        var phone = MessagingClient.NewPhone();
        await _messaging.SetConsentAsync(phone, "marketing", true);

        var stop = await _messaging.ReplyAsync(phone, " stop ");
        var afterStop = await _messaging.ConsentAsync(phone);
        var blocked = await _messaging.SendAsync(phone, "Your points balance", category: "transactional");
        var skipped = await _messaging.WaitForStatusAsync(blocked, "skipped");

        Assert.Equal(200, stop.GetProperty("webhookStatus").GetInt32());
        Assert.Contains("unsubscribed", Assert.Single(stop.GetProperty("replies").EnumerateArray()).GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Equal([("marketing", false, "keyword"), ("transactional", false, "keyword")], Current(afterStop));
        Assert.Contains(afterStop.GetProperty("audit").EnumerateArray(), a => a.GetProperty("evidence").GetString()!.Contains("\"STOP\"", StringComparison.Ordinal));
        Assert.Equal("opted_out", skipped.GetProperty("skipReason").GetString());
        Assert.True((await _messaging.InboxAsync(phone)).GetProperty("optedOut").GetBoolean());

        var start = await _messaging.ReplyAsync(phone, "START");
        var afterStart = await _messaging.ConsentAsync(phone);
        var sent = await _messaging.SendAsync(phone, "Welcome back", category: "transactional");

        Assert.Contains("resubscribed", Assert.Single(start.GetProperty("replies").EnumerateArray()).GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Equal([("marketing", true, "keyword"), ("transactional", true, "keyword")], Current(afterStart));
        await _messaging.WaitForStatusAsync(sent, "delivered");
        Assert.DoesNotContain(await _messaging.MessagesToAsync(phone), m => m.GetProperty("body").GetString() == "Your points balance");
    }

    [Fact]
    public async Task Help_gets_the_program_help_and_changes_nothing()
    {
        var phone = MessagingClient.NewPhone();

        var help = await _messaging.ReplyAsync(phone, "help");
        var chatter = await _messaging.ReplyAsync(phone, "stop sending me these please");

        Assert.Contains("Reply STOP", Assert.Single(help.GetProperty("replies").EnumerateArray()).GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Empty(chatter.GetProperty("replies").EnumerateArray());
        Assert.Empty((await _messaging.ConsentAsync(phone)).GetProperty("consents").EnumerateArray());
    }

    [Fact]
    public async Task A_carrier_block_found_at_send_time_brings_consent_in_step()
    {
        var phone = MessagingClient.NewPhone();
        await _messaging.ReplyAsync(phone, "STOP");
        // The console re-subscribes the number, but the carrier still blocks it until the person texts START.
        await _messaging.SetConsentAsync(phone, "transactional", true, source: "console");

        var id = await _messaging.SendAsync(phone, "Appointment reminder");
        var failed = await _messaging.WaitForStatusAsync(id, "failed");
        var consent = await _messaging.ConsentAsync(phone);

        Assert.Equal(21610, failed.GetProperty("errorCode").GetInt32());
        Assert.Contains(("transactional", false, "carrier"), Current(consent));
    }

    [Fact]
    public async Task Marketing_needs_consent_and_respects_quiet_hours_and_the_weekly_cap()
    {
        var phone = MessagingClient.NewPhone();
        var withoutConsent = await _messaging.SendAsync(phone, "Spring sale!", category: "marketing");
        Assert.Equal("no_marketing_consent", (await _messaging.WaitForStatusAsync(withoutConsent, "skipped")).GetProperty("skipReason").GetString());

        await _messaging.SetConsentAsync(phone, "marketing", true);
        var ids = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            ids.Add(await _messaging.SendAsync(phone, $"Offer {i}", category: "marketing"));
        }
        var outcomes = new List<JsonElement>();
        foreach (var id in ids)
        {
            outcomes.Add(await _messaging.WaitForStatusAsync(id, "delivered", "skipped", "deferred"));
        }

        // No member time zone is known for this number, so the program's (America/New_York) applies.
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        var local = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, newYork);
        if (local.Hour >= 21 || local.Hour < 8)
        {
            Assert.All(outcomes, o => Assert.Equal("deferred", o.GetProperty("status").GetString()));
            Assert.All(outcomes, o => Assert.Equal(8, TimeZoneInfo.ConvertTime(o.GetProperty("notBefore").GetDateTimeOffset(), newYork).Hour));
            Assert.Empty(await _messaging.MessagesToAsync(phone));
        }
        else
        {
            Assert.Equal(["delivered", "delivered", "delivered", "skipped"], outcomes.Select(o => o.GetProperty("status").GetString()).Order());
            Assert.Equal("frequency_cap", outcomes.Single(o => o.GetProperty("status").GetString() == "skipped").GetProperty("skipReason").GetString());
            Assert.Equal(3, (await _messaging.MessagesToAsync(phone)).Count);
        }
    }

    [Fact]
    public async Task Consent_changes_need_the_admin_key_and_valid_input()
    {
        var phone = MessagingClient.NewPhone();
        using var anonymous = await app.Gateway.PutAsJsonAsync($"/api/messaging/consent/{phone}", new { category = "marketing", subscribed = true, source = "x" });
        using var badCategory = await app.AdminGateway.PutAsJsonAsync($"/api/messaging/consent/{phone}", new { category = "promo", subscribed = true, source = "x" });
        using var noSource = await app.AdminGateway.PutAsJsonAsync($"/api/messaging/consent/{phone}", new { category = "marketing", subscribed = true });
        using var badPhone = await app.AdminGateway.GetAsync("/api/messaging/consent/not-a-phone");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.All([badCategory, noSource, badPhone], r => Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode));
        Assert.Empty((await _messaging.ConsentAsync(phone)).GetProperty("consents").EnumerateArray());
    }

    [Fact]
    public async Task Member_preferences_need_a_member_token()
    {
        using var anonymous = await app.Gateway.GetAsync("/api/messaging/preferences");
        using var adminKeyIsNotAMember = await app.AdminGateway.GetAsync("/api/messaging/preferences");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, adminKeyIsNotAMember.StatusCode);
    }
}
