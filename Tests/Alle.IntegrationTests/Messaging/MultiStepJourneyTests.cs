using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Alle.IntegrationTests.Audiences;

namespace Alle.IntegrationTests.Messaging;

/// <summary>
/// Journeys of several steps against the real services: a <c>wait_for</c> that succeeds or times out, a split on a
/// trait evaluated by Audiences, a random split with a holdout, a goal measured per path, and a new version while
/// members are inside. Members are enrolled through Loyalty; triggers and goals are track events through the portal.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class MultiStepJourneyTests(DistributedAppFixture app)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(60);
    private readonly MessagingClient _messaging = new(app);
    private readonly HttpClient _portal = app.CreateTrackingClient("portal");

    private async Task<string> CreateJourneyAsync(string json)
    {
        using var response = await app.AdminGateway.PostAsync("/api/messaging/journeys", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private async Task TrackAsync(JourneyMember member, string eventName, object? properties = null)
    {
        using var tracked = await _portal.PostAsJsonAsync("/v1/track", new { userId = member.MemberId, @event = eventName, properties = properties ?? new { } });
        Assert.Equal(HttpStatusCode.OK, tracked.StatusCode);
    }

    private async Task<JsonElement> EntryOfAsync(string journeyId, JourneyMember member) =>
        Assert.Single((await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/journeys/{journeyId}/entries?userId={member.MemberId}"))
            .GetProperty("data").EnumerateArray());

    private Task<JsonElement> WaitForCountsAsync(string journeyId, Func<JsonElement, bool> condition, string what) =>
        Eventually.GetValueAsync<JsonElement>(async () =>
        {
            var counts = (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/journeys/{journeyId}")).GetProperty("counts");
            return condition(counts) ? counts : null;
        }, s_timeout, what);

    private async Task<IReadOnlyList<string>> JourneyTextsAsync(JourneyMember member, string tag) =>
        [.. (await _messaging.MessagesToAsync(member.Phone)).Select(m => m.GetProperty("body").GetString()!).Where(body => body.Contains(tag, StringComparison.Ordinal))];

    /// <summary>
    /// Three steps: wait for a check-in (or time out), then split on her tier as Audiences sees it. Each member gets the
    /// one text of her path, the goal (the check-in) converts those who did it, and her entry explains every step.
    /// </summary>
    [Fact]
    public async Task Wait_for_an_event_then_split_on_a_trait_texts_each_member_the_text_of_her_path()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var (trigger, checkIn) = ($"Quiz Finished {tag}", $"Provider Checked In {tag}");
        var journeyId = await CreateJourneyAsync($$$"""
            {"name": "Visit follow-up {{{tag}}}", "trigger": {"type": "event", "event": "{{{trigger}}}"},
             "goal": {"event": "{{{checkIn}}}", "within": "1d"},
             "steps": [
               {"id": "visit", "type": "wait_for", "event": "{{{checkIn}}}", "timeout": "15s", "next": "tier", "timeoutNext": "missed"},
               {"id": "tier", "type": "split", "condition": {"trait": "tier", "operator": "equals", "value": "gold"}, "yes": "gold", "no": "standard"},
               {"id": "gold", "type": "send_sms", "template": "{{{tag}}} gold thanks, {{ traits.firstName }}", "next": "end"},
               {"id": "standard", "type": "send_sms", "template": "{{{tag}}} thanks for visiting", "next": "end"},
               {"id": "missed", "type": "send_sms", "template": "{{{tag}}} we missed you"}
             ]}
            """);
        var members = await Task.WhenAll(
            JourneyMember.EnrolAsync(app, "Gia", traits: new Dictionary<string, object> { ["tier"] = "gold" }),
            JourneyMember.EnrolAsync(app, "Sam", traits: new Dictionary<string, object> { ["tier"] = "silver" }),
            JourneyMember.EnrolAsync(app, "Ola"));
        var (gold, silver, absent) = (members[0], members[1], members[2]);

        foreach (var member in members)
        {
            await TrackAsync(member, trigger);
        }
        await Eventually.TrueAsync(async () => (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/journeys/{journeyId}/entries"))
            .GetProperty("data").EnumerateArray().Count(e => e.GetProperty("status").GetString() == "waiting_event") == 3, s_timeout, "three entries waiting for the check-in");
        await TrackAsync(gold, checkIn);
        await TrackAsync(silver, checkIn);

        Assert.Equal($"{tag} gold thanks, Gia", (await _messaging.WaitForTextAsync(gold.Phone, tag)).GetProperty("body").GetString());
        Assert.Equal($"{tag} thanks for visiting", (await _messaging.WaitForTextAsync(silver.Phone, tag)).GetProperty("body").GetString());
        Assert.Equal($"{tag} we missed you", (await _messaging.WaitForTextAsync(absent.Phone, tag)).GetProperty("body").GetString());
        var counts = await WaitForCountsAsync(journeyId, c => c.GetProperty("completed").GetInt64() == 3 && c.GetProperty("converted").GetInt64() == 2,
            "every entry completed, two converted");

        foreach (var member in members)
        {
            Assert.Single(await JourneyTextsAsync(member, tag));
        }
        var paths = counts.GetProperty("paths").EnumerateArray().ToDictionary(p => p.GetProperty("path").GetString()!, p => (p.GetProperty("entered").GetInt64(), p.GetProperty("converted").GetInt64()));
        Assert.Equal((1, 1), paths["visit:event › tier:yes"]);
        Assert.Equal((1, 1), paths["visit:event › tier:no"]);
        Assert.Equal((1, 0), paths["visit:timeout"]);
        var goldEntry = await EntryOfAsync(journeyId, gold);
        Assert.Equal(["visit", "tier", "gold"], goldEntry.GetProperty("steps").EnumerateArray().Select(s => s.GetProperty("stepId").GetString()));
        var split = goldEntry.GetProperty("steps")[1];
        Assert.Equal("yes", split.GetProperty("outcome").GetString());
        Assert.True(split.GetProperty("detail").GetProperty("matches").GetBoolean());
    }

    /// <summary>
    /// A random split with a holdout: the path is chosen from the entry id (so it never changes on a retry), the holdout
    /// is texted nothing, and the journey reports each arm's conversion against the holdout's. A version saved while
    /// members are inside takes new entries only.
    /// </summary>
    [Fact]
    public async Task A_holdout_gets_nothing_lift_is_measured_and_a_new_version_takes_only_new_entries()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var (trigger, redeemed) = ($"Quiz Finished {tag}", $"Offer Redeemed {tag}");
        string Definition(string text) => $$"""
            {"name": "Holdout test {{tag}}", "trigger": {"type": "event", "event": "{{trigger}}"}, "entryPolicy": {"type": "every_time"},
             "goal": {"event": "{{redeemed}}", "within": "1d"},
             "steps": [
               {"id": "ab", "type": "random_split", "paths": [{"name": "text", "weight": 1, "next": "wait"}, {"name": "holdout", "weight": 1, "holdout": true}]},
               {"id": "wait", "type": "wait", "duration": "3s"},
               {"id": "sms", "type": "send_sms", "template": "{{tag}} {{text}}"}
             ]}
            """;
        var journeyId = await CreateJourneyAsync(Definition("version one"));
        var members = await Task.WhenAll(Enumerable.Range(0, 6).Select(i => JourneyMember.EnrolAsync(app, $"Arm{i}")));

        foreach (var member in members)
        {
            await TrackAsync(member, trigger);
        }
        await WaitForCountsAsync(journeyId, c => c.GetProperty("entered").GetInt64() == members.Length, "every member entered");
        using (var revised = await app.AdminGateway.PutAsync($"/api/messaging/journeys/{journeyId}",
            new StringContent(Definition("version two"), System.Text.Encoding.UTF8, "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, revised.StatusCode);
            Assert.Equal(2, (await revised.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetInt32());
        }
        await WaitForCountsAsync(journeyId, c => c.GetProperty("completed").GetInt64() == members.Length, "every entry completed");

        var arms = new Dictionary<string, List<JourneyMember>> { ["text"] = [], ["holdout"] = [] };
        foreach (var member in members)
        {
            var entry = await EntryOfAsync(journeyId, member);
            Assert.Equal(1, entry.GetProperty("version").GetInt32());
            var arm = entry.GetProperty("steps")[0].GetProperty("outcome").GetString()!;
            arms[arm].Add(member);
        }
        foreach (var member in arms["text"])
        {
            await _messaging.WaitForTextAsync(member.Phone, tag);
            Assert.Equal($"{tag} version one", Assert.Single(await JourneyTextsAsync(member, tag)));
        }
        foreach (var member in arms["holdout"])
        {
            Assert.Empty(await JourneyTextsAsync(member, tag));
        }

        // One member of each arm (where the arm has one) redeems: conversion per arm and the lift against the holdout.
        var converters = arms.Values.Where(arm => arm.Count > 0).Select(arm => arm[0]).ToList();
        foreach (var member in converters)
        {
            await TrackAsync(member, redeemed);
        }
        var counts = await WaitForCountsAsync(journeyId, c => c.GetProperty("converted").GetInt64() == converters.Count, "the conversions");
        var lift = Assert.Single(counts.GetProperty("lift").EnumerateArray());
        Assert.Equal("ab", lift.GetProperty("stepId").GetString());
        var byArm = lift.GetProperty("arms").EnumerateArray().ToDictionary(a => a.GetProperty("name").GetString()!);
        foreach (var (name, armMembers) in arms.Where(arm => arm.Value.Count > 0))
        {
            Assert.Equal((armMembers.Count, 1), (byArm[name].GetProperty("entered").GetInt64(), byArm[name].GetProperty("converted").GetInt64()));
        }
        if (arms["text"].Count > 0 && arms["holdout"].Count > 0)
        {
            var expected = (1.0 / arms["text"].Count - 1.0 / arms["holdout"].Count) * 100;
            Assert.Equal(expected, byArm["text"].GetProperty("lift").GetDouble(), 6);
        }

        // A new entry after the edit runs on version two.
        var late = await JourneyMember.EnrolAsync(app, "Late");
        await TrackAsync(late, trigger);
        var lateEntry = await Eventually.GetValueAsync<JsonElement>(async () =>
            (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/messaging/journeys/{journeyId}/entries?userId={late.MemberId}"))
                .GetProperty("data").EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } found && found.GetProperty("status").GetString() == "completed"
                ? found : null, s_timeout, "the late member's entry completed");
        Assert.Equal(2, lateEntry.GetProperty("version").GetInt32());
        if (lateEntry.GetProperty("steps")[0].GetProperty("outcome").GetString() == "holdout")
        {
            Assert.Empty(await JourneyTextsAsync(late, tag));
        }
        else
        {
            Assert.Equal($"{tag} version two", (await _messaging.WaitForTextAsync(late.Phone, tag)).GetProperty("body").GetString());
        }
    }

    /// <summary>A journey activated with <c>enrolCurrentMembers</c> enters the people already in its audience, once each.</summary>
    [Fact]
    public async Task Activating_a_journey_can_enrol_the_audiences_current_members()
    {
        var tag = AudiencesApiClient.NewTag();
        var audiences = new AudiencesApiClient(app);
        var audienceKey = AudiencesApiClient.UniqueKey("current");
        await audiences.CreateAudienceAsync(audienceKey, AudiencesApiClient.NorthStarCondition(tag));
        await audiences.WaitUntilComputedAsync(audienceKey);
        var member = await JourneyMember.EnrolAsync(app, "Noor");
        await TrackAsync(member, "Provider Searched", new { zip = "10001", tag });
        await Eventually.TrueAsync(() => audiences.IsMemberAsync($"user_id:{member.MemberId}", audienceKey), s_timeout, "her membership");

        var journeyId = await CreateJourneyAsync($$$"""
            {"name": "Current members {{{tag}}}", "trigger": {"type": "audience", "audienceKey": "{{{audienceKey}}}", "enrolCurrentMembers": true},
             "steps": [{"id": "hello", "type": "send_sms", "template": "{{{tag}}} hello {{ traits.firstName }}"}]}
            """);

        Assert.Equal($"{tag} hello Noor", (await _messaging.WaitForTextAsync(member.Phone, tag)).GetProperty("body").GetString());
        var counts = await WaitForCountsAsync(journeyId, c => c.GetProperty("completed").GetInt64() == 1, "her entry completed");
        Assert.Equal(1, counts.GetProperty("entered").GetInt64());
        Assert.Single(await JourneyTextsAsync(member, tag));
    }
}
