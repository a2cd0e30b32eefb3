using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.IntegrationTests.Messaging;

/// <summary>
/// A journey's <c>track</c> step is a fact about the member like any other: it travels the real pipeline (Messaging's
/// outbox → the Tracking API → Profiles), lands once on her timeline, meets a journey's goal and starts another journey
/// — and a redelivery of the call (the relay crashing between delivery and commit) changes nothing.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class JourneyTrackStepTests(DistributedAppFixture app)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly MessagingClient _messaging = new(app);
    private readonly HttpClient _portal = app.CreateTrackingClient("portal");

    [Fact]
    public async Task A_track_step_reaches_her_timeline_once_meets_a_goal_and_starts_another_journey()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var (trigger, milestone) = ($"Quiz Completed {tag}", $"Skin Quiz Milestone {tag}");
        var quiz = await CreateJourneyAsync($$$"""
            {"name": "Quiz milestone {{{tag}}}", "trigger": {"type": "event", "event": "{{{trigger}}}"},
             "goal": {"event": "{{{milestone}}}", "within": "1d"},
             "steps": [{"id": "mark", "type": "track", "event": "{{{milestone}}}", "properties": {"tag": "{{{tag}}}", "level": 2}}]}
            """);
        var reward = await CreateJourneyAsync($$$"""
            {"name": "Milestone reward {{{tag}}}", "trigger": {"type": "event", "event": "{{{milestone}}}", "filters": [{"property": "tag", "operator": "equals", "value": "{{{tag}}}"}]},
             "steps": [{"id": "text", "type": "send_sms", "template": "{{{tag}}} level {{ event.level }} reached, {{ traits.firstName }}"}]}
            """);
        var member = await JourneyMember.EnrolAsync(app, "Lena");

        using (var tracked = await _portal.PostAsJsonAsync("/v1/track", new { userId = member.MemberId, @event = trigger }))
        {
            Assert.Equal(HttpStatusCode.OK, tracked.StatusCode);
        }

        Assert.Equal($"{tag} level 2 reached, Lena", (await _messaging.WaitForTextAsync(member.Phone, tag)).GetProperty("body").GetString());
        var onTimeline = Assert.Single(await Eventually.GetAsync(async () => await MilestonesAsync(member, milestone) is { Count: > 0 } found ? found : null,
            s_timeout, "the milestone on her timeline"));
        var entry = Assert.Single(await EntriesAsync(quiz));
        Assert.Equal($"journey-{entry.GetProperty("id").GetGuid():N}-mark", onTimeline.GetProperty("message_id").GetString());
        Assert.Equal(quiz, onTimeline.GetProperty("properties").GetProperty("journey_id").GetString());
        Assert.Equal(2, onTimeline.GetProperty("properties").GetProperty("level").GetInt32());
        await Eventually.TrueAsync(async () => (await EntriesAsync(quiz)).Single().TryGetProperty("convertedAt", out var at) && at.ValueKind == JsonValueKind.String,
            s_timeout, "the quiz journey's goal met by its own milestone");

        // The relay delivers the call again under the same message id, as after a crash between delivery and commit.
        var messageId = onTimeline.GetProperty("message_id").GetString()!;
        await using (var messaging = Npgsql.NpgsqlDataSource.Create(app.ConnectionString("messagingdb")))
        {
            await using (var resend = messaging.CreateCommand(
                "UPDATE outbox_messages SET sent_at = NULL, next_attempt_at = now() WHERE message_id = $1 AND destination = 'tracking' AND sent_at IS NOT NULL"))
            {
                resend.Parameters.AddWithValue(messageId);
                Assert.Equal(1, await resend.ExecuteNonQueryAsync());
            }
            await Eventually.TrueAsync(async () =>
            {
                await using var sent = messaging.CreateCommand("SELECT sent_at IS NOT NULL FROM outbox_messages WHERE message_id = $1");
                sent.Parameters.AddWithValue(messageId);
                return (bool)(await sent.ExecuteScalarAsync())!;
            }, s_timeout, "the call delivered a second time");
        }
        // Ingestion has it already: still one event on her timeline, one entry in each journey, one text.
        var marker = $"Marker {tag}";
        using (var tracked = await _portal.PostAsJsonAsync("/v1/track", new { userId = member.MemberId, @event = marker }))
        {
            Assert.Equal(HttpStatusCode.OK, tracked.StatusCode);
        }
        await Eventually.TrueAsync(async () => (await TimelineAsync(member)).Any(e => e.GetProperty("event").GetString() == marker), s_timeout, "a later event on her timeline");
        Assert.Single(await MilestonesAsync(member, milestone));
        Assert.Single(await EntriesAsync(quiz));
        Assert.Single(await EntriesAsync(reward));
        Assert.Single(await _messaging.MessagesToAsync(member.Phone), m => m.GetProperty("body").GetString()!.Contains(tag, StringComparison.Ordinal));
    }

    private async Task<string> CreateJourneyAsync(string json)
    {
        using var response = await app.AdminGateway.PostAsync("/api/messaging/journeys", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private async Task<IReadOnlyList<JsonElement>> EntriesAsync(string journeyId) =>
        [.. (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/journeys/{journeyId}/entries")).GetProperty("data").EnumerateArray()];

    private async Task<IReadOnlyList<JsonElement>> TimelineAsync(JourneyMember member) =>
        [.. (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/profiles/v1/spaces/default/collections/users/profiles/user_id:{member.MemberId}/events?limit=100"))
            .GetProperty("data").EnumerateArray().Where(e => e.TryGetProperty("event", out _))];

    private async Task<IReadOnlyList<JsonElement>> MilestonesAsync(JourneyMember member, string milestone) =>
        [.. (await TimelineAsync(member)).Where(e => e.GetProperty("event").GetString() == milestone)];
}
