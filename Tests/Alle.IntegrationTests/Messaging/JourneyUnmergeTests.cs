using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.IntegrationTests.Messaging;

/// <summary>
/// A wrong merge and its undoing, through the real Profiles: a visitor's device is merged into a member by evidence that
/// was not hers (the member's phone typed on it), her waiting journey entry moves to the member as a duplicate and is
/// ended without a second entry or text; undoing the merge gives the visitor back her own entry, which goes on once she
/// joins. Each person gets exactly one text per step.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class JourneyUnmergeTests(DistributedAppFixture app)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly MessagingClient _messaging = new(app);
    private readonly HttpClient _portal = app.CreateTrackingClient("portal");
    private string _journeyId = "";

    [Fact]
    public async Task An_unmerge_gives_the_restored_profile_back_its_own_entry_and_each_person_one_text_per_step()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var (trigger, viewed) = ($"Offer Browsed {tag}", $"Offer Viewed {tag}");
        using var created = await app.AdminGateway.PostAsync("/api/messaging/journeys", new StringContent($$$"""
            {"name": "Browse follow-up {{{tag}}}", "trigger": {"type": "event", "event": "{{{trigger}}}"},
             "steps": [
               {"id": "hello", "type": "send_sms", "template": "{{{tag}}} hello"},
               {"id": "visit", "type": "wait_for", "event": "{{{viewed}}}", "timeout": "1d", "next": "thanks", "timeoutNext": "end"},
               {"id": "thanks", "type": "send_sms", "template": "{{{tag}}} thanks"}
             ]}
            """, System.Text.Encoding.UTF8, "application/json"));
        Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        _journeyId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;

        // The member enters and is texted the first step; the visitor enters anonymously and waits for contact.
        var member = await JourneyMember.EnrolAsync(app, "Maya");
        await TrackAsync(new { userId = member.MemberId, @event = trigger });
        await _messaging.WaitForTextAsync(member.Phone, $"{tag} hello");
        var device = $"anon-{Guid.NewGuid():N}";
        await TrackAsync(new { anonymousId = device, @event = trigger });
        var visitorEntry = await Eventually.GetValueAsync<JsonElement>(async () => (await EntriesAsync()).FirstOrDefault(e => Text(e, "userId") is null
            && Text(e, "status") == "waiting_contact") is { ValueKind: JsonValueKind.Object } found ? found : null, s_timeout, "the visitor's entry waiting for contact");
        var visitorProfile = visitorEntry.GetProperty("profileId").GetGuid();

        // Her device records the member's phone: Profiles merges the visitor into the member.
        await TrackAsync(new { anonymousId = device, @event = "Coupon Clipped", context = new { traits = new { phone = member.Phone } } });
        var mergeId = await Eventually.GetAsync<string>(async () =>
            (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/profiles/{member.ProfileId}/merges")).GetProperty("data").EnumerateArray()
                .FirstOrDefault(m => m.GetProperty("absorbedProfileId").GetGuid() == visitorProfile) is { ValueKind: JsonValueKind.Object } merge
                ? merge.GetProperty("mergeId").GetString() : null, s_timeout, "the merge");
        // Her entry moved to the member, who got further: it ends as a duplicate, no second entry, no second text.
        var duplicate = await Eventually.GetValueAsync<JsonElement>(async () => await EntryAsync(visitorEntry) is { } entry
            && Text(entry, "status") == "exited" ? entry : null, s_timeout, "the visitor's entry ended as the member's duplicate");
        Assert.Equal("merged", Text(duplicate, "reason"));
        Assert.Equal(member.ProfileId, duplicate.GetProperty("profileId").GetGuid());
        var memberEntry = Assert.Single(await EntriesAsync(), e => Text(e, "status") == "waiting_event");
        Assert.Equal(member.MemberId, Text(memberEntry, "userId"));
        Assert.Equal(2, (await EntriesAsync()).Count);
        Assert.Equal([$"{tag} hello"], await TextsAsync(member.Phone, tag));

        // The operator undoes the merge: the visitor's entry is hers again and waits for contact at the step it had reached.
        using (var unmerged = await app.AdminGateway.PostAsync($"/api/profiles/merges/{mergeId}/unmerge", null))
        {
            Assert.Equal(HttpStatusCode.OK, unmerged.StatusCode);
        }
        var restored = await Eventually.GetValueAsync<JsonElement>(async () => await EntryAsync(visitorEntry) is { } entry
            && Text(entry, "status") == "waiting_contact" ? entry : null, s_timeout, "the visitor's entry given back to her");
        Assert.Equal(visitorProfile, restored.GetProperty("profileId").GetGuid());
        Assert.Null(Text(restored, "userId"));
        Assert.Equal("hello", Text(restored, "currentStep"));

        // She joins with her own phone: her entry goes on, texting her, not the member.
        var phone = MessagingClient.NewPhone();
        using (var enrolled = await app.AdminGateway.PostAsJsonAsync("/api/loyalty/members", new
        {
            phone, firstName = "Vera", lastName = "Lind", marketingConsent = true, source = "portal", consentWording = "Yes, text me offers. Reply STOP to cancel.",
        }))
        {
            Assert.Equal(HttpStatusCode.Created, enrolled.StatusCode);
            var visitorId = (await enrolled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("memberId").GetString()!;
            using var identified = await _portal.PostAsJsonAsync("/v1/identify", new { userId = visitorId, anonymousId = device, traits = new { timezone = TestTimeZones.Daytime() } });
            Assert.Equal(HttpStatusCode.OK, identified.StatusCode);
            await _messaging.WaitForTextAsync(phone, $"{tag} hello");
            await Eventually.TrueAsync(async () => await EntryAsync(visitorEntry) is { } entry && Text(entry, "status") == "waiting_event", s_timeout, "her entry at the wait_for step");
            await TrackAsync(new { userId = visitorId, @event = viewed });
        }
        await TrackAsync(new { userId = member.MemberId, @event = viewed });

        await _messaging.WaitForTextAsync(phone, $"{tag} thanks");
        await _messaging.WaitForTextAsync(member.Phone, $"{tag} thanks");
        await Eventually.TrueAsync(async () => (await EntriesAsync()).All(e => Text(e, "status") == "completed"), s_timeout, "both entries completed");
        Assert.Equal(2, (await EntriesAsync()).Count);
        Assert.Equal([$"{tag} hello", $"{tag} thanks"], await TextsAsync(member.Phone, tag));
        Assert.Equal([$"{tag} hello", $"{tag} thanks"], await TextsAsync(phone, tag));
    }

    private async Task TrackAsync(object call)
    {
        using var tracked = await _portal.PostAsJsonAsync("/v1/track", call);
        Assert.Equal(HttpStatusCode.OK, tracked.StatusCode);
    }

    private async Task<IReadOnlyList<JsonElement>> EntriesAsync() =>
        [.. (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/journeys/{_journeyId}/entries")).GetProperty("data").EnumerateArray()];

    private async Task<JsonElement?> EntryAsync(JsonElement entry) =>
        (await EntriesAsync()).FirstOrDefault(e => Text(e, "id") == Text(entry, "id")) is { ValueKind: JsonValueKind.Object } found ? found : null;

    private async Task<IReadOnlyList<string>> TextsAsync(string phone, string tag) =>
        [.. (await _messaging.MessagesToAsync(phone)).Select(m => m.GetProperty("body").GetString()!).Where(body => body.Contains(tag, StringComparison.Ordinal)).Order(StringComparer.Ordinal)];

    private static string? Text(JsonElement json, string property) =>
        json.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
