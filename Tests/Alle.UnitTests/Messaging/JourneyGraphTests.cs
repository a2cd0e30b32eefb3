using System.Text.Json;
using Alle.Messaging.Journeys;

namespace Alle.UnitTests.Messaging;

/// <summary>Journeys as graphs of steps: validation that points at the step, deterministic splits, waits on the member's clock, goals, merges.</summary>
public sealed class JourneyGraphTests
{
    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static readonly JourneyTrigger s_audience = new(JourneyTrigger.Audience, AudienceKey: "searched-never-redeemed");

    private static JourneyDefinition Journey(params JourneyStep[] steps) => new("Win-back", s_audience, steps);

    private static JourneyStep Sms(string id, string? next = null) => new(id, JourneyStep.SendSms, Next: next, Template: "Hi {{ traits.firstName }}");

    [Fact]
    public void A_three_step_journey_with_a_split_and_a_holdout_is_valid()
    {
        var journey = Journey(
            new JourneyStep("ab", JourneyStep.RandomSplit, Paths: [new SplitPath("text", 90, "coupon"), new SplitPath("holdout", 10, Holdout: true)]),
            new JourneyStep("coupon", JourneyStep.IssueCoupon, OfferId: "o-1"),
            new JourneyStep("vip", JourneyStep.Split, Condition: Json("""{"trait": "tier", "operator": "equals", "value": "gold"}"""), Yes: "gold", No: "standard"),
            Sms("gold", next: "end"),
            Sms("standard"));

        Assert.Empty(journey.Validate());
        var graph = new JourneyGraph(journey.Steps);
        Assert.Equal([new JourneyEdge("text", "coupon"), new JourneyEdge("holdout", null)], graph.Edges(journey.Steps[0]));
        Assert.Equal([new JourneyEdge("yes", "gold"), new JourneyEdge("no", "standard")], graph.Edges(journey.Steps[2]));
        Assert.Equal([new JourneyEdge("next", null)], graph.Edges(journey.Steps[3]));
    }

    [Fact]
    public void Validation_errors_name_the_step_and_the_field_at_fault()
    {
        var errors = Journey(
            new JourneyStep("wait", JourneyStep.Wait, Duration: "3 days"),
            new JourneyStep("for-visit", JourneyStep.WaitFor, Event: "Provider Checked In"),
            new JourneyStep("text", JourneyStep.SendSms, Template: "{% if %}"),
            new JourneyStep("ab", JourneyStep.RandomSplit, Paths: [new SplitPath("a", 0, "nowhere"), new SplitPath("b", 1, "text", Holdout: true)]),
            new JourneyStep("text", JourneyStep.Track),
            new JourneyStep("odd", "teleport")).Validate();

        Assert.Equal(["steps[0].duration", "steps[1].timeout", "steps[2].template", "steps[3].paths[0].weight", "steps[3].paths[1].next",
            "steps[4].event", "steps[4].id", "steps[5].type"], errors.Keys.Order());
        Assert.StartsWith("Step \"wait\":", errors["steps[0].duration"][0]);
        Assert.StartsWith("Step \"text\":", errors["steps[2].template"][0]);
    }

    [Fact]
    public void Targets_must_name_another_step_and_the_graph_cannot_loop_or_strand_a_step()
    {
        var unknown = Journey(Sms("a", next: "b"), Sms("c")).Validate();
        var loop = Journey(Sms("a"), Sms("b", next: "a")).Validate();
        var stranded = Journey(Sms("a", next: "end"), Sms("b")).Validate();

        Assert.Contains("steps[0].next", unknown.Keys);
        Assert.Contains("leads back", Assert.Single(loop).Value[0]);
        Assert.Equal("Step \"b\" cannot be reached from the first step.", Assert.Single(stranded["steps[1]"]));
        Assert.Equal(["steps"], Journey().Validate().Keys);
    }

    [Fact]
    public void A_null_filter_or_step_is_a_validation_error_not_a_crash()
    {
        var withNullFilter = new JourneyDefinition("x", new JourneyTrigger(JourneyTrigger.TrackEvent, Event: "Provider Searched", Filters: [null!]), [Sms("a")]);
        var withNullStep = Journey(Sms("a"), null!);

        Assert.Equal(["trigger.filters"], withNullFilter.Validate().Keys);
        Assert.Contains("steps[1]", withNullStep.Validate().Keys);
    }

    [Fact]
    public void A_random_split_is_deterministic_per_entry_and_follows_the_weights()
    {
        SplitPath[] paths = [new("A", 45), new("B", 45), new("holdout", 10, Holdout: true)];
        var entries = Enumerable.Range(0, 20_000).Select(i => new Guid(i, 7, 7, [1, 2, 3, 4, 5, 6, 7, (byte)(i % 251)])).ToList();

        var chosen = entries.Select(entry => PathSelection.Choose(entry, "ab", paths).Path.Name).ToList();

        Assert.Equal(chosen, entries.Select(entry => PathSelection.Choose(entry, "ab", paths).Path.Name));
        var share = chosen.GroupBy(name => name).ToDictionary(group => group.Key, group => group.Count() / (double)entries.Count);
        Assert.InRange(share["A"], 0.43, 0.47);
        Assert.InRange(share["B"], 0.43, 0.47);
        Assert.InRange(share["holdout"], 0.09, 0.11);
        // A second split of the same journey is independent of the first.
        var second = entries.Select(entry => PathSelection.Choose(entry, "ab-2", paths).Path.Name).ToList();
        Assert.InRange(chosen.Zip(second).Count(pair => pair.First == pair.Second) / (double)entries.Count, 0.38, 0.44);
    }

    [Fact]
    public void A_wait_of_days_keeps_the_members_time_of_day_across_daylight_saving()
    {
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        // Saturday 2026-03-07 10:00 EST; clocks spring forward on Sunday the 8th.
        var saturday = new DateTimeOffset(2026, 3, 7, 15, 0, 0, TimeSpan.Zero);
        Assert.True(JourneyDuration.TryParse("2d", out var twoDays));
        Assert.True(JourneyDuration.TryParse("48h", out var fortyEightHours));

        Assert.Equal(new DateTimeOffset(2026, 3, 9, 14, 0, 0, TimeSpan.Zero), twoDays.After(saturday, newYork));
        Assert.Equal(new DateTimeOffset(2026, 3, 9, 15, 0, 0, TimeSpan.Zero), fortyEightHours.After(saturday, newYork));
        // Saturday 2026-10-31 10:00 EDT; clocks fall back on Sunday 1 November.
        var halloween = new DateTimeOffset(2026, 10, 31, 14, 0, 0, TimeSpan.Zero);
        Assert.True(JourneyDuration.TryParse("1w", out var oneWeek));
        Assert.Equal(new DateTimeOffset(2026, 11, 2, 15, 0, 0, TimeSpan.Zero), twoDays.After(halloween, newYork)); // 10:00 EST
        Assert.Equal(new DateTimeOffset(2026, 11, 2, 14, 0, 0, TimeSpan.Zero), fortyEightHours.After(halloween, newYork)); // 09:00 EST
        Assert.Equal(new DateTimeOffset(2026, 11, 7, 15, 0, 0, TimeSpan.Zero), oneWeek.After(halloween, newYork));
        Assert.False(JourneyDuration.TryParse("400d", out _));
        Assert.False(JourneyDuration.TryParse("-2d", out _));
    }

    [Fact]
    public void A_wait_until_a_time_of_day_uses_her_clock_and_skips_a_time_that_does_not_exist()
    {
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        var saturdayEvening = new DateTimeOffset(2026, 3, 7, 23, 30, 0, TimeSpan.Zero); // 18:30 EST
        var nineAm = new TimeOnly(9, 0);

        Assert.Equal(new DateTimeOffset(2026, 3, 8, 13, 0, 0, TimeSpan.Zero), LocalClock.Next(saturdayEvening, nineAm, newYork)); // 09:00 EDT
        // 02:30 on the 8th does not exist in New York: the first minute after the gap, 03:00 EDT.
        Assert.Equal(new DateTimeOffset(2026, 3, 8, 7, 0, 0, TimeSpan.Zero), LocalClock.Next(saturdayEvening, new TimeOnly(2, 30), newYork));
        // The evening before each change, 09:00 the next morning is on the new offset.
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 14, 0, 0, TimeSpan.Zero),
            LocalClock.Next(new DateTimeOffset(2026, 10, 31, 22, 30, 0, TimeSpan.Zero), nineAm, newYork)); // 18:30 EDT → 09:00 EST
        // Already past 09:00 on her clock: tomorrow's.
        Assert.Equal(new DateTimeOffset(2026, 11, 2, 14, 0, 0, TimeSpan.Zero),
            LocalClock.Next(new DateTimeOffset(2026, 11, 1, 14, 0, 0, TimeSpan.Zero), nineAm, newYork));
        // Autumn: 01:30 happens twice on 2026-11-01; the first one (EDT) is taken.
        Assert.Equal(new DateTimeOffset(2026, 11, 1, 5, 30, 0, TimeSpan.Zero),
            LocalClock.Next(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero), new TimeOnly(1, 30), newYork));
    }

    [Fact]
    public void A_goal_counts_the_right_event_within_its_window_after_entry()
    {
        var goal = new JourneyGoal("Offer Redeemed", [new PropertyFilter("offerId", "equals", Json("\"o-1\""))], "14d");
        var entered = new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
        var redeemed = Json("""{"offerId":"o-1"}""");

        Assert.True(goal.IsMetBy(entered, "Offer Redeemed", redeemed, entered.AddDays(3)));
        Assert.True(goal.IsMetBy(entered, "Offer Redeemed", redeemed, entered.AddDays(14)));
        Assert.False(goal.IsMetBy(entered, "Offer Redeemed", redeemed, entered.AddDays(14).AddSeconds(1)));
        Assert.False(goal.IsMetBy(entered, "Offer Redeemed", redeemed, entered.AddMinutes(-1)));
        Assert.False(goal.IsMetBy(entered, "Offer Redeemed", Json("""{"offerId":"o-2"}"""), entered.AddDays(1)));
        Assert.False(goal.IsMetBy(entered, "Offer Issued", redeemed, entered.AddDays(1)));
    }

    [Fact]
    public void Lift_is_each_paths_conversion_against_the_holdouts()
    {
        var arms = GoalLift.Compare([new ArmTally("A", false, 400, 60), new ArmTally("B", false, 400, 40), new ArmTally("holdout", true, 200, 20)]);

        Assert.Equal([0.15, 0.10, 0.10], arms.Select(arm => arm.ConversionRate));
        Assert.Equal(5.0, arms[0].Lift!.Value, 9);
        Assert.Equal(0.5, arms[0].RelativeLift!.Value, 9);
        Assert.Equal(0.0, arms[1].Lift!.Value, 9);
        Assert.Null(arms[2].Lift);
        Assert.Null(GoalLift.Compare([new ArmTally("A", false, 10, 1), new ArmTally("B", false, 10, 2)])[0].Lift);
    }

    [Fact]
    public void A_merge_keeps_the_entry_that_got_further_and_ends_the_other()
    {
        var journey = Guid.NewGuid();
        var at = new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero);
        var movedWaiting = new PersonEntry(Guid.NewGuid(), journey, Moved: true, EntryStatus.WaitingContact, at, Progress: 0);
        var survivorsTexted = new PersonEntry(Guid.NewGuid(), journey, Moved: false, EntryStatus.Completed, at.AddMinutes(5), Progress: 2);
        var otherJourney = new PersonEntry(Guid.NewGuid(), Guid.NewGuid(), Moved: true, EntryStatus.WaitingContact, at, Progress: 0);

        Assert.Equal([new MergedEntry(movedWaiting.Id, survivorsTexted.Id)], MergeDuplicates.Find([movedWaiting, survivorsTexted, otherJourney]));
        Assert.Empty(MergeDuplicates.Find([movedWaiting, otherJourney]));
        // Neither got further: the older stays.
        var survivorsWaiting = survivorsTexted with { Status = EntryStatus.WaitingContact, Progress = 0 };
        Assert.Equal([new MergedEntry(survivorsWaiting.Id, movedWaiting.Id)], MergeDuplicates.Find([movedWaiting, survivorsWaiting]));
    }

    [Fact]
    public void A_legacy_single_step_journey_becomes_wait_coupon_text()
    {
        var legacy = new LegacyJourney(" Gold ", s_audience, "{{ coupon.code }}", DelaySeconds: 90, Coupon: new CouponStep(OfferId: "o-1"));

        var definition = legacy.ToDefinition();

        Assert.Equal("Gold", definition.Name);
        Assert.Equal([("wait", "wait"), ("coupon", "issue_coupon"), ("text", "send_sms")], definition.Steps.Select(step => (step.Id, step.Type)));
        Assert.Equal("90s", definition.Steps[0].Duration);
        Assert.Empty(definition.Validate());
    }
}
