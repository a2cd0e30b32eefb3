using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.EndToEndTests.Messaging;

/// <summary>
/// Messaging is killed (SIGKILL) in the middle of a journey's sends and restarted by the orchestrator: every member still
/// gets exactly one text. Needs Ingestion's Tracking API and Profiles (look-up API, ProfileUpdated with its trigger).
/// </summary>
[Collection(StackCollection.Name)]
public sealed class JourneyRestartTests(DistributedAppFixture app)
{
    private const int Members = 12;

    [Fact]
    public async Task Killing_messaging_mid_journey_yields_exactly_one_text_per_member()
    {
        var tracking = app.CreateTrackingClient("portal");
        var sandbox = app.CreateClient("twilio-sandbox");
        var eventName = $"Tier Reached {Guid.NewGuid():N}";
        var journeyId = await JourneyEndToEndTests.CreateJourneyAsync(app, new
        {
            name = "Tier congratulations",
            trigger = new { type = "event", @event = eventName },
            template = "Congratulations {{ traits.first_name }}, you reached {{ event.tier }}!",
        });
        var members = new List<(string UserId, string Phone)>();
        for (var i = 0; i < Members; i++)
        {
            members.Add(await JourneyEndToEndTests.NewMemberAsync(app, tracking, $"Member{i}"));
        }

        foreach (var (userId, _) in members)
        {
            using var track = await tracking.PostAsJsonAsync("/v1/track", new { userId, messageId = Guid.NewGuid().ToString(), @event = eventName, properties = new { tier = "Gold" } });
            Assert.Equal(HttpStatusCode.OK, track.StatusCode);
        }

        // Kill as soon as the first text has gone out, while the others are still being sent.
        await Eventually.TrueAsync(async () => (await JourneyEndToEndTests.CountsAsync(app, journeyId)).GetProperty("entered").GetInt64() > 0,
            TimeSpan.FromSeconds(60), "the first entry");
        var before = app.App.GetResources().Single(r => r.Name == "messaging");
        Process.GetProcessById(Assert.Single(before.Pids)).Kill();
        await Eventually.TrueAsync(() => Task.FromResult(app.App.GetResources().Single(r => r.Name == "messaging").RestartCount > before.RestartCount),
            TimeSpan.FromSeconds(30), "messaging to be restarted");
        await app.App.WaitForHealthyAsync("messaging", TimeSpan.FromSeconds(90));

        var counts = await Eventually.GetValueAsync<JsonElement>(async () =>
            await JourneyEndToEndTests.CountsAsync(app, journeyId) is var c && c.GetProperty("entered").GetInt64() == Members && c.GetProperty("waiting").GetInt64() == 0 ? c : null,
            TimeSpan.FromSeconds(120), "every member through the journey");

        Assert.Equal(Members, counts.GetProperty("sent").GetInt64());
        foreach (var (_, phone) in members)
        {
            var texts = await Eventually.GetAsync(async () =>
                await JourneyEndToEndTests.TextsToAsync(sandbox, phone) is { Count: > 0 } received ? received : null, TimeSpan.FromSeconds(30), "the member's text");
            Assert.Single(texts);
            Assert.Contains("you reached Gold", Assert.Single(texts).GetProperty("body").GetString(), StringComparison.Ordinal);
        }
    }
}
