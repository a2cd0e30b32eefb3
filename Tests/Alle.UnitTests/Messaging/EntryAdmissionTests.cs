using Alle.Messaging.Journeys;

namespace Alle.UnitTests.Messaging;

/// <summary>Many people entering in one transaction are judged as if they had entered one after another.</summary>
public sealed class EntryAdmissionTests
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 7, 15, 0, 0, TimeSpan.Zero);
    private static readonly Guid s_journey = Guid.NewGuid();
    private static readonly PreviousEntries s_none = new(false, null, false);

    private static EntryCandidate Candidate(string triggerKey, Guid profile, string? userId = null, EntryPolicy? policy = null, string? reason = null,
        PreviousEntries? previous = null, Guid? journey = null) =>
        new(journey ?? s_journey, policy ?? EntryPolicy.Default, triggerKey, profile, userId, reason, previous ?? s_none);

    [Fact]
    public void Different_people_all_enter()
    {
        var candidates = Enumerable.Range(0, 5).Select(i => Candidate($"event:{i}", Guid.NewGuid(), $"m-{i}")).ToList();

        Assert.Equal([0, 1, 2, 3, 4], EntryAdmission.Admit(candidates, s_now));
    }

    [Fact]
    public void The_same_trigger_twice_in_a_batch_enters_once()
    {
        var profile = Guid.NewGuid();

        Assert.Equal([0], EntryAdmission.Admit([Candidate("event:1", profile), Candidate("event:1", profile)], s_now));
    }

    [Fact]
    public void A_trigger_already_handled_does_not_enter_again()
    {
        Assert.Empty(EntryAdmission.Admit([Candidate("event:1", Guid.NewGuid(), policy: new EntryPolicy(EntryPolicy.EveryTime),
            previous: new PreviousEntries(true, s_now.AddDays(-1), false))], s_now));
    }

    [Fact]
    public void Once_means_one_entry_for_a_person_asking_twice_in_a_batch_by_profile_or_by_user_id()
    {
        var profile = Guid.NewGuid();

        Assert.Equal([0], EntryAdmission.Admit([Candidate("event:1", profile), Candidate("event:2", profile)], s_now));
        Assert.Equal([0], EntryAdmission.Admit([Candidate("event:1", Guid.NewGuid(), "m-1"), Candidate("event:2", Guid.NewGuid(), "m-1")], s_now));
    }

    [Fact]
    public void Every_time_lets_a_person_enter_once_per_trigger_in_a_batch()
    {
        var profile = Guid.NewGuid();
        var everyTime = new EntryPolicy(EntryPolicy.EveryTime);

        Assert.Equal([0, 1], EntryAdmission.Admit([Candidate("event:1", profile, policy: everyTime), Candidate("event:2", profile, policy: everyTime)], s_now));
    }

    [Fact]
    public void Once_per_days_counts_an_entry_made_earlier_in_the_batch_and_one_made_before()
    {
        var profile = Guid.NewGuid();
        var weekly = new EntryPolicy(EntryPolicy.OncePerDays, 7);

        Assert.Equal([0], EntryAdmission.Admit([Candidate("event:1", profile, policy: weekly), Candidate("event:2", profile, policy: weekly)], s_now));
        Assert.Empty(EntryAdmission.Admit([Candidate("event:3", profile, policy: weekly, previous: new PreviousEntries(false, s_now.AddDays(-6), false))], s_now));
        Assert.Equal([0], EntryAdmission.Admit([Candidate("event:4", profile, policy: weekly, previous: new PreviousEntries(false, s_now.AddDays(-8), false))], s_now));
    }

    [Fact]
    public void A_merge_entry_is_not_a_second_entry_for_a_person_already_inside()
    {
        var profile = Guid.NewGuid();
        var everyTime = new EntryPolicy(EntryPolicy.EveryTime);

        Assert.Empty(EntryAdmission.Admit([Candidate("audience:1", profile, policy: everyTime, reason: "merge", previous: new PreviousEntries(false, s_now.AddDays(-1), true))], s_now));
        Assert.Equal([0], EntryAdmission.Admit([Candidate("audience:1", profile, policy: everyTime, reason: "merge")], s_now));
        Assert.Equal([0], EntryAdmission.Admit([Candidate("event:1", profile, policy: everyTime), Candidate("audience:1", profile, policy: everyTime, reason: "merge")], s_now));
    }

    [Fact]
    public void Journeys_are_judged_apart()
    {
        var profile = Guid.NewGuid();

        Assert.Equal([0, 1], EntryAdmission.Admit([Candidate("event:1", profile), Candidate("event:1", profile, journey: Guid.NewGuid())], s_now));
    }
}
