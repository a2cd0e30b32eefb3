using System.Text.Json;
using Alle.Destinations.Filtering;
using Alle.Destinations.Validation;

namespace Alle.UnitTests.Destinations;

/// <summary>The condition language of mapping triggers and filters: the audience language's rules, on one event.</summary>
public sealed class ConditionTests
{
    private static Condition Parse(string json)
    {
        var errors = new ValidationErrors();
        var condition = ConditionParser.Parse(JsonDocument.Parse(json).RootElement, "$.if", errors);
        Assert.True(errors.IsEmpty, errors.ToString());
        return condition!;
    }

    private static Dictionary<string, string[]> Errors(string json)
    {
        var errors = new ValidationErrors();
        Assert.Null(ConditionParser.Parse(JsonDocument.Parse(json).RootElement, "$.if", errors));
        return errors.ToDictionary();
    }

    [Fact]
    public void An_event_condition_matches_track_events_by_name_and_property_filters_like_an_audience_condition()
    {
        var condition = Parse("""{"event": "Order Completed", "where": [{"property": "total", "operator": "greaterThan", "value": 100}, {"property": "shipping.city", "operator": "equals", "value": "Austin"}]}""");

        Assert.True(condition.Matches(Events.Track("Order Completed", new { total = 120.5, shipping = new { city = "Austin" } })));
        Assert.False(condition.Matches(Events.Track("Order Completed", new { total = 99, shipping = new { city = "Austin" } })));
        Assert.False(condition.Matches(Events.Track("Order Completed", new { total = 120, shipping = new { city = "austin" } })));
        Assert.False(condition.Matches(Events.Track("Order Refunded", new { total = 120, shipping = new { city = "Austin" } })));
        Assert.False(condition.Matches(Events.Page("Order Completed", new { total = 120, shipping = new { city = "Austin" } })));
    }

    [Fact]
    public void Types_fields_and_boolean_combinations_read_any_member_of_the_event()
    {
        var condition = Parse("""
            {"and": [{"type": ["track", "page"]}, {"not": {"field": "context.app.name", "operator": "equals", "value": "internal"}},
                     {"or": [{"field": "userId", "operator": "exists"}, {"field": "properties.plan", "operator": "in", "value": ["gold", "a-list"]}]}]}
            """);

        Assert.True(condition.Matches(Events.Track("Viewed", context: new { app = new { name = "ios" } })));
        Assert.False(condition.Matches(Events.Track("Viewed", context: new { app = new { name = "internal" } })));
        Assert.True(condition.Matches(Events.Track("Viewed", new { plan = "gold" }, userId: null)));
        Assert.False(condition.Matches(Events.Track("Viewed", new { plan = "silver" }, userId: null)));
        Assert.False(condition.Matches(Events.Identify(new { plan = "gold" })));
    }

    [Theory]
    [InlineData("""{"field": "properties.x", "operator": "notEquals", "value": "a"}""", true)]
    [InlineData("""{"field": "properties.x", "operator": "equals", "value": "a"}""", false)]
    [InlineData("""{"field": "properties.x", "operator": "exists"}""", false)]
    [InlineData("""{"field": "properties.x", "operator": "notExists"}""", true)]
    [InlineData("""{"field": "properties.x", "operator": "contains", "value": "a"}""", false)]
    [InlineData("""{"field": "properties.x", "operator": "lessThan", "value": 5}""", false)]
    public void A_missing_value_and_null_are_the_same_and_equal_nothing(string json, bool expected)
    {
        var condition = Parse(json);

        Assert.Equal(expected, condition.Matches(Events.Track("E")));
        Assert.Equal(expected, condition.Matches(Events.Track("E", JsonDocument.Parse("""{"x": null}""").RootElement)));
    }

    [Fact]
    public void Contains_is_a_substring_or_an_array_element_and_numbers_compare_numerically()
    {
        Assert.True(Parse("""{"field": "properties.tags", "operator": "contains", "value": "vip"}""").Matches(Events.Track("E", new { tags = new[] { "new", "vip" } })));
        Assert.True(Parse("""{"field": "properties.name", "operator": "contains", "value": "ell"}""").Matches(Events.Track("E", new { name = "Hello" })));
        Assert.True(Parse("""{"field": "properties.n", "operator": "equals", "value": 2}""").Matches(Events.Track("E", JsonDocument.Parse("""{"n": 2.0}""").RootElement)));
        Assert.False(Parse("""{"field": "properties.n", "operator": "equals", "value": 2}""").Matches(Events.Track("E", new { n = "2" })));
        Assert.True(Parse("""{"field": "properties.n", "operator": "lessThanOrEqual", "value": 1e3}""").Matches(Events.Track("E", new { n = 1000 })));
    }

    [Fact]
    public void Mistakes_are_reported_by_their_json_path()
    {
        Assert.Contains("$.if.and[1].operator", Errors("""{"and": [{"type": "track"}, {"field": "x", "operator": "like", "value": 1}]}""").Keys);
        Assert.Contains("$.if.type", Errors("""{"type": "click"}""").Keys);
        Assert.Contains("$.if.where[0].value", Errors("""{"event": "E", "where": [{"property": "n", "operator": "greaterThan", "value": "3"}]}""").Keys);
        Assert.Contains("$.if.or", Errors("""{"or": []}""").Keys);
        Assert.Contains("$.if", Errors("""{"type": "track", "event": "E"}""").Keys);
        Assert.Contains("$.if.field", Errors("""{"field": "a..b", "operator": "exists"}""").Keys);
        // A misspelt member would otherwise be ignored and the condition match more than meant.
        Assert.Contains("$.if.wher", Errors("""{"event": "E", "wher": [{"property": "n", "operator": "exists"}]}""").Keys);
        Assert.Contains("$.if.where[0].operater", Errors("""{"event": "E", "where": [{"property": "n", "operator": "exists", "operater": "equals"}]}""").Keys);
        Assert.Contains("$.if.and[0].unexpected", Errors("""{"and": [{"type": "track", "unexpected": true}]}""").Keys);
    }

    [Fact]
    public void Nesting_is_limited()
    {
        var json = string.Concat(Enumerable.Repeat("""{"not": """, 20)) + """{"type": "track"}""" + new string('}', 20);

        Assert.NotEmpty(Errors(json));
    }
}
