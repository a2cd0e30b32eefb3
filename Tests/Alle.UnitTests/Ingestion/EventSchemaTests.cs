using System.Text.Json;
using Alle.Contracts;
using Alle.Ingestion.EventSchema;

namespace Alle.UnitTests.Ingestion;

public sealed class EventSchemaTests
{
    private static readonly DateTimeOffset s_at = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static TrackedEvent Call(string type, string? name, string json, DateTimeOffset? at = null, string source = "portal")
    {
        var payload = JsonDocument.Parse(json).RootElement.Clone();
        var traits = type is "identify" or "group";
        return new TrackedEvent(source, Guid.NewGuid().ToString(), type, "u1", null, name, null, null, null,
            traits ? null : payload, traits ? payload : null, null, null, at ?? s_at, null, null, at ?? s_at);
    }

    [Fact]
    public void Track_events_are_kept_by_name_and_other_calls_by_type_with_every_json_type_a_property_was_seen_with()
    {
        var observations = new SchemaObservations(SchemaLimits.Default);
        observations.Observe(Call("track", "Provider Searched", """{"zip": "10001", "radius": 5, "open": true, "provider": {"city": "Austin"}, "tags": []}"""));
        observations.Observe(Call("track", "Provider Searched", """{"zip": 10002, "note": null}""", s_at.AddMinutes(5)));
        observations.Observe(Call("identify", null, """{"plan": "gold"}"""));
        observations.Observe(Call("page", "Home", """{"path": "/"}"""));
        observations.Observe(Call("alias", null, "{}"));

        var events = observations.Sources["portal"];
        Assert.Equal([new EventKey("identify", ""), new EventKey("page", ""), new EventKey("track", "Provider Searched")],
            events.Keys.OrderBy(key => key.Type).ToList());
        var searched = events[new EventKey("track", "Provider Searched")];
        Assert.Equal(2, searched.Count);
        Assert.Equal((s_at, s_at.AddMinutes(5)), (searched.FirstSeen, searched.LastSeen));
        Assert.Equal(["number", "string"], searched.Properties["zip"].Types);
        Assert.Equal(2, searched.Properties["zip"].Count);
        Assert.Equal(["number"], searched.Properties["radius"].Types);
        Assert.Equal(["boolean"], searched.Properties["open"].Types);
        Assert.Equal(["object"], searched.Properties["provider"].Types);
        Assert.Equal(["string"], searched.Properties["provider.city"].Types);
        Assert.Equal(["array"], searched.Properties["tags"].Types);
        Assert.False(searched.Properties.ContainsKey("note"));
        Assert.Equal(["string"], events[new EventKey("identify", "")].Properties["plan"].Types);
    }

    [Fact]
    public void Events_and_properties_beyond_the_limits_are_counted_as_dropped_not_kept()
    {
        var observations = new SchemaObservations(new SchemaLimits(EventsPerSource: 2, PropertiesPerEvent: 2));
        observations.Observe(Call("track", "A", """{"p1": 1, "p2": 2, "p3": 3}"""));
        observations.Observe(Call("track", "B", "{}"));
        observations.Observe(Call("track", "C", "{}"));
        observations.Observe(Call("track", "C", "{}"));

        Assert.Equal(2, observations.Sources["portal"].Count);
        Assert.Equal(2, observations.EventsDropped["portal"]);
        var a = observations.Sources["portal"][new EventKey("track", "A")];
        Assert.Equal(["p1", "p2"], a.Properties.Keys.Order());
        Assert.Equal(1, a.PropertiesDropped);
    }

    [Fact]
    public void Admission_updates_what_is_stored_and_admits_new_events_and_properties_only_while_there_is_room()
    {
        var limits = new SchemaLimits(EventsPerSource: 2, PropertiesPerEvent: 2);
        var observations = new SchemaObservations(SchemaLimits.Default);
        observations.Observe(Call("track", "Known", """{"old": 1, "new1": 1, "new2": 2}"""));
        observations.Observe(Call("track", "Frequent", "{}"));
        observations.Observe(Call("track", "Frequent", "{}"));
        observations.Observe(Call("track", "Rare", "{}"));
        var known = new EventKey("track", "Known");

        var admission = SchemaAdmission.Admit(observations.Sources["portal"], 0, new HashSet<EventKey> { known },
            new Dictionary<EventKey, IReadOnlySet<string>> { [known] = new HashSet<string> { "old" } }, limits);

        Assert.Equal(["Frequent", "Known"], admission.Events.Select(e => e.Key.Event).Order());
        Assert.Equal(1, admission.EventsDropped);
        var knownRow = admission.Events.Single(e => e.Key == known);
        Assert.Equal(2, knownRow.Properties.Count);
        Assert.Contains(knownRow.Properties, property => property.Name == "old");
        Assert.Equal(1, knownRow.PropertiesDropped);
    }
}
