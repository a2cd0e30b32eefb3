using System.Text.Json;
using Alle.Destinations.Filtering;
using Alle.Destinations.Validation;

namespace Alle.UnitTests.Destinations;

/// <summary>Destination filters as Segment's: drop matching events, keep or drop properties, sample a stable share.</summary>
public sealed class FilterTests
{
    private static DestinationFilters Parse(string json)
    {
        var errors = new ValidationErrors();
        var filters = DestinationFilters.Parse(JsonDocument.Parse(json).RootElement, "$.filters", errors);
        Assert.True(errors.IsEmpty, errors.ToString());
        return filters!;
    }

    [Fact]
    public void Events_matching_a_drop_filter_are_not_sent_and_the_reason_names_the_filter()
    {
        var filters = Parse("""[{"action": "drop", "if": {"event": "Internal Ping"}}, {"action": "drop", "if": {"field": "context.app.name", "operator": "equals", "value": "qa"}}]""");

        Assert.Equal("filter:0:drop", filters.Apply(Events.Track("Internal Ping")).DroppedBy);
        Assert.Equal("filter:1:drop", filters.Apply(Events.Track("Order Completed", context: new { app = new { name = "qa" } })).DroppedBy);
        Assert.NotNull(filters.Apply(Events.Track("Order Completed", context: new { app = new { name = "ios" } })).Event);
    }

    [Fact]
    public void Keep_properties_sends_only_the_listed_members_of_properties_or_traits_nested_ones_included()
    {
        var filters = Parse("""[{"action": "keepProperties", "properties": ["plan", "address.city"]}]""");
        var track = Events.Track("Upgraded", new { plan = "gold", email = "a@example.com", address = new { city = "Austin", street = "1 Main" } });

        var kept = filters.Apply(track).Event!;

        Assert.Equal("""{"plan":"gold","address":{"city":"Austin"}}""", kept["properties"]!.ToJsonString());
        Assert.Equal("a@example.com", track["properties"]!["email"]!.GetValue<string>());
        Assert.Equal("""{"plan":"gold"}""", filters.Apply(Events.Identify(new { plan = "gold", phone = "+15555550100" })).Event!["traits"]!.ToJsonString());
    }

    [Fact]
    public void Drop_properties_removes_the_listed_members_only_where_its_condition_holds()
    {
        var filters = Parse("""[{"action": "dropProperties", "properties": ["email", "card.number"], "if": {"type": "track"}}]""");

        var track = filters.Apply(Events.Track("Paid", new { email = "a@example.com", amount = 5, card = new { number = "4242", brand = "visa" } })).Event!;
        var identify = filters.Apply(Events.Identify(new { email = "a@example.com" })).Event!;

        Assert.Equal("""{"amount":5,"card":{"brand":"visa"}}""", track["properties"]!.ToJsonString());
        Assert.Equal("a@example.com", identify["traits"]!["email"]!.GetValue<string>());
    }

    [Fact]
    public void Sampling_keeps_about_its_share_and_always_decides_the_same_for_the_same_event_or_person()
    {
        var byEvent = Parse("""[{"action": "sample", "percent": 25}]""");
        var byPerson = Parse("""[{"action": "sample", "percent": 50, "by": "userId"}]""");

        var kept = Enumerable.Range(0, 4000).Count(i => byEvent.Apply(Events.Track("E", messageId: $"message-{i}")).Event is not null);
        var again = Enumerable.Range(0, 4000).Count(i => byEvent.Apply(Events.Track("E", messageId: $"message-{i}")).Event is not null);
        var person = Enumerable.Range(0, 20).Select(i => byPerson.Apply(Events.Track("E", userId: "same-person", messageId: $"m{i}")).Event is not null).Distinct().ToList();

        Assert.InRange(kept, 850, 1150);
        Assert.Equal(kept, again);
        Assert.Single(person);
        Assert.Null(Parse("""[{"action": "sample", "percent": 0}]""").Apply(Events.Track("E")).Event);
        Assert.NotNull(Parse("""[{"action": "sample", "percent": 100}]""").Apply(Events.Track("E")).Event);
    }

    [Fact]
    public void Filters_apply_in_order_and_the_original_event_is_never_changed()
    {
        var filters = Parse("""[{"action": "dropProperties", "properties": ["secret"]}, {"action": "drop", "if": {"field": "properties.secret", "operator": "exists"}}]""");
        var original = Events.Track("E", new { secret = "x", kept = 1 });

        var result = filters.Apply(original).Event!;

        Assert.Equal("""{"kept":1}""", result["properties"]!.ToJsonString());
        Assert.Equal("x", original["properties"]!["secret"]!.GetValue<string>());
    }

    [Theory]
    [InlineData("""[{"action": "drop"}]""", "$.filters[0].if")]
    [InlineData("""[{"action": "keepProperties", "properties": []}]""", "$.filters[0].properties")]
    [InlineData("""[{"action": "sample", "percent": 120}]""", "$.filters[0].percent")]
    [InlineData("""[{"action": "sample", "percent": 5, "by": "day"}]""", "$.filters[0].by")]
    [InlineData("""[{"action": "rename"}]""", "$.filters[0].action")]
    [InlineData("""[{"action": "sample", "percent": 5, "by": 7}]""", "$.filters[0].by")]
    [InlineData("""[{"action": "dropProperties", "properties": ["email"], "percent": 5}]""", "$.filters[0].percent")]
    [InlineData("""{"action": "drop"}""", "$.filters")]
    public void Invalid_filters_are_refused_by_path(string json, string path)
    {
        var errors = new ValidationErrors();

        Assert.Null(DestinationFilters.Parse(JsonDocument.Parse(json).RootElement, "$.filters", errors));
        Assert.True(errors.Contains(path), errors.ToString());
    }

    [Fact]
    public void Buckets_are_stable_across_processes()
    {
        Assert.Equal(DestinationFilters.Bucket("message-1"), DestinationFilters.Bucket("message-1"));
        Assert.InRange(DestinationFilters.Bucket(""), 0, 9999);
    }
}
