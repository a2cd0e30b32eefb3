using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alle.Contracts;

namespace Alle.IntegrationTests.Messaging;

/// <summary>Journey entry, exit and policies, with audience events published as the audiences service would.</summary>
[Collection(StackCollection.Name)]
public sealed class JourneyTests(DistributedAppFixture app)
{
    private async Task<string> CreateJourneyAsync(object definition)
    {
        using var response = await app.AdminGateway.PostAsJsonAsync("/api/messaging/journeys", definition);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private async Task<JsonElement> CountsAsync(string journeyId) =>
        (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/journeys/{journeyId}")).GetProperty("counts");

    private Task<JsonElement> WaitForCountsAsync(string journeyId, Func<JsonElement, bool> condition, string what) =>
        Eventually.GetValueAsync<JsonElement>(async () => await CountsAsync(journeyId) is var counts && condition(counts) ? counts : null,
            TimeSpan.FromSeconds(20), what);

    private static object AudienceJourney(string audienceKey, int delaySeconds, object? entryPolicy = null) => new
    {
        name = $"Win-back {audienceKey}",
        trigger = new { type = "audience", audienceKey },
        delaySeconds,
        template = "Hi {{ traits.first_name }}, we miss you!",
        entryPolicy,
    };

    [Fact]
    public async Task A_member_who_leaves_the_audience_before_the_send_is_exited()
    {
        await using var bus = await EventBusProbe.StartAsync(app);
        var audienceKey = $"lapsed-{Guid.NewGuid():N}";
        var journeyId = await CreateJourneyAsync(AudienceJourney(audienceKey, delaySeconds: 3600));
        var audienceId = Guid.NewGuid();
        var profileId = Guid.NewGuid();
        var entered = new AudienceMembershipChanged(audienceId, audienceKey, profileId, $"member-{Guid.NewGuid():N}", true, DateTimeOffset.UtcNow);

        await bus.PublishAsync(entered);
        await bus.PublishAsync(entered);
        await WaitForCountsAsync(journeyId, c => c.GetProperty("entered").GetInt64() == 1 && c.GetProperty("waiting").GetInt64() == 1, "one waiting entry");

        await bus.PublishAsync(entered with { Entered = false, ChangedAt = entered.ChangedAt.AddSeconds(1) });
        var counts = await WaitForCountsAsync(journeyId, c => c.GetProperty("waiting").GetInt64() == 0, "the entry exited");

        Assert.Equal(1, counts.GetProperty("entered").GetInt64());
        Assert.Equal(1, counts.GetProperty("skipped").GetProperty("left_audience").GetInt64());
        Assert.Equal(0, counts.GetProperty("sent").GetInt64());
    }

    [Fact]
    public async Task An_entry_for_someone_who_never_becomes_reachable_gives_up_after_its_contact_window()
    {
        await using var bus = await EventBusProbe.StartAsync(app);
        var audienceKey = $"anonymous-{Guid.NewGuid():N}";
        var journeyId = await CreateJourneyAsync(new
        {
            name = $"Anonymous {audienceKey}", trigger = new { type = "audience", audienceKey }, template = "Hi {{ traits.first_name }}", contactWindow = "4s",
        });

        await bus.PublishAsync(new AudienceMembershipChanged(Guid.NewGuid(), audienceKey, Guid.NewGuid(), null, true, DateTimeOffset.UtcNow));
        var counts = await WaitForCountsAsync(journeyId, c => c.GetProperty("skipped").TryGetProperty("no_contact", out var n) && n.GetInt64() == 1,
            "the entry given up as no_contact");

        Assert.Equal((1, 0, 0, 0), (counts.GetProperty("entered").GetInt64(), counts.GetProperty("waiting").GetInt64(),
            counts.GetProperty("waitingForContact").GetInt64(), counts.GetProperty("sent").GetInt64()));
    }

    [Fact]
    public async Task Entry_policies_let_a_member_in_once_ever_or_once_per_period()
    {
        await using var bus = await EventBusProbe.StartAsync(app);
        var audienceKey = $"searched-{Guid.NewGuid():N}";
        var onceEver = await CreateJourneyAsync(AudienceJourney(audienceKey, 3600));
        var monthly = await CreateJourneyAsync(AudienceJourney(audienceKey, 3600, new { type = "once_per_days", days = 30 }));
        var profileId = Guid.NewGuid();
        var userId = $"member-{Guid.NewGuid():N}";
        var firstEntry = DateTimeOffset.UtcNow;

        await bus.PublishAsync(new AudienceMembershipChanged(Guid.NewGuid(), audienceKey, profileId, userId, true, firstEntry));
        await bus.PublishAsync(new AudienceMembershipChanged(Guid.NewGuid(), audienceKey, profileId, userId, false, firstEntry.AddSeconds(1)));
        await bus.PublishAsync(new AudienceMembershipChanged(Guid.NewGuid(), audienceKey, profileId, userId, true, firstEntry.AddSeconds(2)));
        var other = new AudienceMembershipChanged(Guid.NewGuid(), audienceKey, Guid.NewGuid(), $"member-{Guid.NewGuid():N}", true, firstEntry);
        await bus.PublishAsync(other);

        await WaitForCountsAsync(onceEver, c => c.GetProperty("entered").GetInt64() == 2, "both members in the once-ever journey");
        await WaitForCountsAsync(monthly, c => c.GetProperty("entered").GetInt64() == 2, "both members in the monthly journey");
        Assert.Equal(2, (await CountsAsync(onceEver)).GetProperty("entered").GetInt64());
        Assert.Equal(2, (await CountsAsync(monthly)).GetProperty("entered").GetInt64());
    }

    [Fact]
    public async Task A_paused_journey_takes_no_entries_until_resumed()
    {
        await using var bus = await EventBusProbe.StartAsync(app);
        var audienceKey = $"vip-{Guid.NewGuid():N}";
        var journeyId = await CreateJourneyAsync(AudienceJourney(audienceKey, 3600));

        using var paused = await app.AdminGateway.PostAsync($"/api/messaging/journeys/{journeyId}/pause", null);
        Assert.Equal("paused", (await paused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        var pausedProfile = Guid.NewGuid();
        await bus.PublishAsync(new AudienceMembershipChanged(Guid.NewGuid(), audienceKey, pausedProfile, "m-paused", true, DateTimeOffset.UtcNow));
        await Eventually.TrueAsync(() => MembershipRecordedAsync(audienceKey, pausedProfile), TimeSpan.FromSeconds(20), "the entry event consumed while paused");
        using var resumed = await app.AdminGateway.PostAsync($"/api/messaging/journeys/{journeyId}/resume", null);
        await bus.PublishAsync(new AudienceMembershipChanged(Guid.NewGuid(), audienceKey, Guid.NewGuid(), "m-resumed", true, DateTimeOffset.UtcNow));

        await WaitForCountsAsync(journeyId, c => c.GetProperty("entered").GetInt64() >= 1, "the entry after resuming");
        Assert.Equal("active", (await resumed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        Assert.Equal(1, (await CountsAsync(journeyId)).GetProperty("entered").GetInt64());
    }

    private async Task<bool> MembershipRecordedAsync(string audienceKey, Guid profileId)
    {
        await using var dataSource = Npgsql.NpgsqlDataSource.Create(app.ConnectionString("messagingdb"));
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM audience_memberships WHERE audience_key = $1 AND profile_id = $2)");
        command.Parameters.AddWithValue(audienceKey);
        command.Parameters.AddWithValue(profileId);
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task Journey_definitions_are_validated_and_need_the_admin_key()
    {
        using var anonymous = await app.Gateway.PostAsJsonAsync("/api/messaging/journeys", AudienceJourney("x", 0));
        using var invalid = await app.AdminGateway.PostAsJsonAsync("/api/messaging/journeys", new
        {
            name = "Broken",
            trigger = new { type = "event" },
            template = "{% if %}",
            coupon = new { offerId = "o-1", offerIdProperty = "flashOfferId" },
        });
        using var unknown = await app.AdminGateway.GetAsync($"/api/messaging/journeys/{Guid.NewGuid()}");
        var problem = await invalid.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.Equal(["coupon", "template", "trigger.event"], problem.GetProperty("errors").EnumerateObject().Select(e => e.Name).Order());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task A_merged_profile_reported_as_left_before_the_merge_arrives_is_still_entered_only_once()
    {
        // Messaging hears of a merge from Profiles and of its audience changes from Audiences, on separate queues: here
        // Audiences' "left (merged)" for the visitor's profile arrives first (so the merge finds no membership to carry
        // to the survivor), then the merge, then the survivor's "entered (merge)". She is one person with one entry
        // and one text: the entry moved to her is the one the entry policy finds.
        await using var bus = await EventBusProbe.StartAsync(app);
        var audienceKey = $"searched-{Guid.NewGuid():N}";
        var journeyId = await CreateJourneyAsync(new { name = $"Searched {audienceKey}", trigger = new { type = "audience", audienceKey }, template = $"{audienceKey} welcome" });
        var beaconKey = $"beacon-{Guid.NewGuid():N}";
        var beaconJourneyId = await CreateJourneyAsync(AudienceJourney(beaconKey, delaySeconds: 3600));
        var beacons = 0;
        // Audience changes are consumed in the order published, give or take the consumer's concurrency: once a change
        // published after this one has made its entry, this one has been recorded.
        async Task BeaconAsync()
        {
            await bus.PublishAsync(new AudienceMembershipChanged(Guid.NewGuid(), beaconKey, Guid.NewGuid(), $"beacon-{Guid.NewGuid():N}", true, DateTimeOffset.UtcNow));
            var expected = ++beacons;
            await WaitForCountsAsync(beaconJourneyId, c => c.GetProperty("entered").GetInt64() == expected, $"beacon {expected}");
        }
        async Task AfterRecordedAsync(AudienceMembershipChanged change)
        {
            await bus.PublishAsync(change);
            await BeaconAsync();
        }

        var member = await JourneyMember.EnrolAsync(app, "Nadia");
        var audienceId = Guid.NewGuid();
        var visitor = Guid.NewGuid();
        var searchedAt = DateTimeOffset.UtcNow;
        await AfterRecordedAsync(new AudienceMembershipChanged(audienceId, audienceKey, visitor, null, true, searchedAt, "event"));
        await WaitForCountsAsync(journeyId, c => c.GetProperty("waitingForContact").GetInt64() == 1, "the visitor's entry waiting for contact");

        await AfterRecordedAsync(new AudienceMembershipChanged(audienceId, audienceKey, visitor, null, false, searchedAt.AddSeconds(5),
            "merged"));
        await bus.PublishAsync(new ProfilesMerged(member.ProfileId, [visitor], $"merge-{Guid.NewGuid():N}", searchedAt.AddSeconds(5)));
        var texted = await Eventually.GetValueAsync<JsonElement>(async () => await CountsAsync(journeyId) is var c && c.GetProperty("sent").GetInt64() == 1 ? c : null,
            TimeSpan.FromSeconds(60), "her entry, moved to the member, texting her");
        Assert.Equal(1, texted.GetProperty("entered").GetInt64());

        await AfterRecordedAsync(new AudienceMembershipChanged(audienceId, audienceKey, member.ProfileId, member.MemberId, true, searchedAt.AddSeconds(5), "merge"));
        await BeaconAsync(); // and whatever that change entered has been written too
        var counts = await CountsAsync(journeyId);
        Assert.Equal((1, 1), (counts.GetProperty("entered").GetInt64(), counts.GetProperty("sent").GetInt64()));
        Assert.Single(await new MessagingClient(app).MessagesToAsync(member.Phone), m => m.GetProperty("body").GetString() == $"{audienceKey} welcome");
    }
}
