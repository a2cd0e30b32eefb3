using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alle.Contracts;

namespace Alle.IntegrationTests.Messaging;

/// <summary>The integration events messaging consumes and publishes, with a bus standing in for the other services.</summary>
[Collection(StackCollection.Name)]
public sealed class EventConsumerTests(DistributedAppFixture app)
{
    private readonly MessagingClient _messaging = new(app);

    [Fact]
    public async Task An_enrolment_records_consent_with_the_wording_as_evidence_once()
    {
        await using var bus = await EventBusProbe.StartAsync(app);
        var phone = MessagingClient.NewPhone();
        var enrolled = new MemberEnrolled($"member-{Guid.NewGuid():N}", phone, true, true,
            "Yes, text me offers and account alerts. Msg&data rates may apply. Reply STOP to cancel.", "portal", DateTimeOffset.UtcNow);

        await bus.PublishAsync(enrolled);
        await bus.PublishAsync(enrolled);
        var consent = await Eventually.GetValueAsync<JsonElement>(async () =>
        {
            var read = await _messaging.ConsentAsync(phone);
            return read.GetProperty("consents").GetArrayLength() == 2 ? read : null;
        }, TimeSpan.FromSeconds(20), "the enrolment's consent");

        Assert.All(consent.GetProperty("consents").EnumerateArray(), c =>
        {
            Assert.True(c.GetProperty("subscribed").GetBoolean());
            Assert.Equal("enrolment:portal", c.GetProperty("source").GetString());
            Assert.Equal(enrolled.ConsentWording, c.GetProperty("evidence").GetString());
        });
        Assert.Equal(2, (await _messaging.ConsentAsync(phone)).GetProperty("audit").GetArrayLength());
    }

    [Fact]
    public async Task A_later_stop_wins_over_an_earlier_enrolment_delivered_late()
    {
        await using var bus = await EventBusProbe.StartAsync(app);
        var phone = MessagingClient.NewPhone();
        var joinedBefore = DateTimeOffset.UtcNow.AddMinutes(-5);
        await _messaging.ReplyAsync(phone, "STOP");

        await bus.PublishAsync(new MemberEnrolled($"member-{Guid.NewGuid():N}", phone, true, true, "wording", "portal", joinedBefore));
        var consent = await Eventually.GetValueAsync<JsonElement>(async () =>
        {
            var read = await _messaging.ConsentAsync(phone);
            return read.GetProperty("audit").GetArrayLength() == 4 ? read : null;
        }, TimeSpan.FromSeconds(20), "the late enrolment in the audit trail");

        Assert.All(consent.GetProperty("consents").EnumerateArray(), c => Assert.False(c.GetProperty("subscribed").GetBoolean()));
    }

    [Fact]
    public async Task Status_changes_are_published_as_message_status_changed()
    {
        await using var bus = await EventBusProbe.StartAsync(app, typeof(MessageStatusChanged));
        var userId = $"member-{Guid.NewGuid():N}";

        var id = Guid.Parse(await _messaging.SendAsync(MessagingClient.NewPhone(), "Your tier changed", userId: userId));
        await Eventually.TrueAsync(() => Task.FromResult(bus.Received<MessageStatusChanged>().Any(m => m.MessageId == id && m.Status == "delivered")),
            TimeSpan.FromSeconds(30), "MessageStatusChanged delivered");

        // Statuses only move forward: Twilio's callbacks may tell "sent" or "delivered" before the dispatcher records
        // "queued", and then "queued" is never recorded. What is recorded is published once each, in order.
        string[] forward = ["sending", "queued", "sent", "delivered"];
        var statuses = bus.Received<MessageStatusChanged>().Where(m => m.MessageId == id).ToList();
        Assert.Superset(new HashSet<string> { "sending", "delivered" }, statuses.Select(s => s.Status).ToHashSet());
        Assert.Equal(statuses.Select(s => s.Status).Distinct().OrderBy(status => Array.IndexOf(forward, status)), statuses.Select(s => s.Status));
        Assert.All(statuses, s => Assert.Equal(userId, s.UserId));
        Assert.Matches("^SM[0-9a-f]{32}$", statuses.Single(s => s.Status == "delivered").ProviderSid);
    }

    [Fact]
    public async Task A_deleted_person_who_only_declined_marketing_can_still_receive_her_codes_when_she_joins_again()
    {
        await using var bus = await EventBusProbe.StartAsync(app, typeof(PersonalDataDeleted));
        var phone = MessagingClient.NewPhone();
        var userId = $"member-{Guid.NewGuid():N}";
        await _messaging.SetConsentAsync(phone, "transactional", subscribed: true);
        await _messaging.SetConsentAsync(phone, "marketing", subscribed: false);
        var regulation = $"reg-{Guid.NewGuid():N}";

        await bus.PublishAsync(new ProfileDeleted(regulation, Guid.NewGuid(), [new("user_id", userId), new("phone", phone)], DateTimeOffset.UtcNow));
        await Eventually.GetAsync(() => Task.FromResult(bus.Received<PersonalDataDeleted>().FirstOrDefault(r => r.RegulationId == regulation && r.Service == "messaging")),
            TimeSpan.FromSeconds(20), "PersonalDataDeleted");

        var consent = await _messaging.ConsentAsync(phone);
        Assert.Empty(consent.GetProperty("consents").EnumerateArray());
        Assert.False(consent.GetProperty("suppressed").GetBoolean());
        var code = await _messaging.SendAsync(phone, "Your code is 123456");
        Assert.Equal("delivered", (await _messaging.WaitForStatusAsync(code, "delivered", "skipped")).GetProperty("status").GetString());
    }

    [Fact]
    public async Task A_deleted_person_loses_messages_and_consent_but_an_opt_out_stays_as_a_hashed_suppression()
    {
        await using var bus = await EventBusProbe.StartAsync(app, typeof(PersonalDataDeleted));
        var phone = MessagingClient.NewPhone();
        var userId = $"member-{Guid.NewGuid():N}";
        var sent = await _messaging.SendAsync(phone, "Receipt", userId: userId);
        await _messaging.WaitForStatusAsync(sent, "delivered");
        await _messaging.ReplyAsync(phone, "STOP");
        var regulation = $"reg-{Guid.NewGuid():N}";
        var profileId = Guid.NewGuid();

        await bus.PublishAsync(new ProfileDeleted(regulation, profileId, [new("user_id", userId), new("phone", phone)], DateTimeOffset.UtcNow));
        var report = await Eventually.GetAsync(() => Task.FromResult(bus.Received<PersonalDataDeleted>().FirstOrDefault(r => r.RegulationId == regulation && r.Service == "messaging")),
            TimeSpan.FromSeconds(20), "PersonalDataDeleted");

        Assert.Equal(("messaging", profileId), (report.Service, report.ProfileId));
        Assert.True(report.RowsDeleted >= 6, $"deleted {report.RowsDeleted} rows");
        using var gone = await app.AdminGateway.GetAsync($"/api/messaging/messages/{sent}");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        var consent = await _messaging.ConsentAsync(phone);
        Assert.Empty(consent.GetProperty("consents").EnumerateArray());
        Assert.Empty(consent.GetProperty("audit").EnumerateArray());
        Assert.True(consent.GetProperty("suppressed").GetBoolean());
        Assert.Empty((await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/messages?userId={userId}")).GetProperty("data").EnumerateArray());

        // Even after START in the sandbox, the deleted person's number is never texted again.
        await _messaging.ReplyAsync(phone, "START");
        await bus.PublishAsync(new ProfileDeleted(regulation, profileId, [new("user_id", userId), new("phone", phone)], DateTimeOffset.UtcNow));
        var suppressed = await _messaging.SendAsync(phone, "Anything");
        Assert.Equal("suppressed", (await _messaging.WaitForStatusAsync(suppressed, "skipped", "delivered")).GetProperty("skipReason").GetString());
        await Eventually.TrueAsync(() => Task.FromResult(bus.Received<PersonalDataDeleted>().Count(r => r.RegulationId == regulation && r.Service == "messaging") == 2),
            TimeSpan.FromSeconds(20), "the repeated request's report");
        Assert.All(bus.Received<PersonalDataDeleted>().Where(r => r.RegulationId == regulation && r.Service == "messaging"), r => Assert.Equal(report.RowsDeleted, r.RowsDeleted));
    }
}
