using Alle.Destinations.Consent;

namespace Alle.UnitTests.Destinations;

/// <summary>Segment's consent enforcement: the event's consent object, else the stored preference, else no enforcement.</summary>
public sealed class ConsentDecisionTests
{
    private static readonly string[] s_advertising = ["advertising"];

    [Fact]
    public void A_destination_needing_no_category_receives_everything()
    {
        Assert.Null(ConsentDecision.Blocked([], Events.Track("E", context: Events.Consent(advertising: false, analytics: false)), null));
    }

    [Fact]
    public void The_events_own_consent_object_decides_and_names_the_denied_category()
    {
        Assert.Equal("consent:advertising", ConsentDecision.Blocked(s_advertising, Events.Track("E", context: Events.Consent(false, true)), null));
        Assert.Null(ConsentDecision.Blocked(s_advertising, Events.Track("E", context: Events.Consent(true, false)), null));
        Assert.Equal("consent:analytics", ConsentDecision.Blocked(["advertising", "analytics"], Events.Track("E", context: Events.Consent(true, false)), null));
    }

    [Fact]
    public void The_events_consent_object_wins_over_the_stored_preference()
    {
        var storedDenies = new Dictionary<string, bool> { ["advertising"] = false };
        var storedGrants = new Dictionary<string, bool> { ["advertising"] = true };

        Assert.Null(ConsentDecision.Blocked(s_advertising, Events.Track("E", context: Events.Consent(true, true)), storedDenies));
        Assert.NotNull(ConsentDecision.Blocked(s_advertising, Events.Track("E", context: Events.Consent(false, true)), storedGrants));
    }

    [Fact]
    public void Without_a_consent_object_the_stored_preference_decides_and_without_either_the_event_flows()
    {
        Assert.Equal("consent:advertising", ConsentDecision.Blocked(s_advertising, Events.Track("E"), new Dictionary<string, bool> { ["advertising"] = false }));
        Assert.Null(ConsentDecision.Blocked(s_advertising, Events.Track("E"), new Dictionary<string, bool> { ["advertising"] = true }));
        Assert.Null(ConsentDecision.Blocked(s_advertising, Events.Track("E"), null));
    }

    [Fact]
    public void A_category_missing_from_the_preferences_is_not_granted()
    {
        Assert.Equal("consent:advertising", ConsentDecision.Blocked(s_advertising, Events.Track("E"), new Dictionary<string, bool> { ["analytics"] = true }));
        Assert.Equal("consent:advertising", ConsentDecision.Blocked(s_advertising,
            Events.Track("E", context: new { consent = new { categoryPreferences = new { advertising = "yes" } } }), null));
    }
}
