using System.Text.Json;
using Alle.Audiences.Conditions;
using Microsoft.Extensions.Time.Testing;

namespace Alle.UnitTests.Audiences;

public sealed class ConditionEvaluatorTests
{
    private const string NorthStar = """
        {"and": [{"event": "Provider Searched", "within": "30d"}, {"not": {"event": "Offer Redeemed"}}]}
        """;

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void She_is_in_the_north_star_audience_after_a_search_and_out_after_a_redemption()
    {
        var condition = ConditionParser.Parse(NorthStar).Condition!;
        var events = new List<ProfileEvent> { Event("Provider Searched", _clock.GetUtcNow().AddDays(-3)) };

        Assert.True(ConditionEvaluator.Evaluate(condition, Facts(events), _clock.GetUtcNow()));

        events.Add(Event("Offer Redeemed", _clock.GetUtcNow()));
        Assert.False(ConditionEvaluator.Evaluate(condition, Facts(events), _clock.GetUtcNow()));
    }

    [Fact]
    public void She_leaves_when_the_window_that_put_her_there_runs_out_without_any_new_event()
    {
        var condition = ConditionParser.Parse(NorthStar).Condition!;
        var searchedAt = _clock.GetUtcNow();
        var facts = Facts([Event("Provider Searched", searchedAt)]);

        _clock.Advance(TimeSpan.FromDays(30) - TimeSpan.FromSeconds(1));
        Assert.True(ConditionEvaluator.Evaluate(condition, facts, _clock.GetUtcNow()));

        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(searchedAt.AddDays(30), _clock.GetUtcNow());
        Assert.False(ConditionEvaluator.Evaluate(condition, facts, _clock.GetUtcNow()));
    }

    [Fact]
    public void A_never_searching_member_is_not_in_it()
    {
        var condition = ConditionParser.Parse(NorthStar).Condition!;

        Assert.False(ConditionEvaluator.Evaluate(condition, Facts([]), _clock.GetUtcNow()));
    }

    [Theory]
    [InlineData("""{"event": "Viewed", "count": {"atLeast": 2}}""", 2, true)]
    [InlineData("""{"event": "Viewed", "count": {"atLeast": 2}}""", 1, false)]
    [InlineData("""{"event": "Viewed", "count": {"atMost": 1}}""", 1, true)]
    [InlineData("""{"event": "Viewed", "count": {"atMost": 1}}""", 2, false)]
    [InlineData("""{"event": "Viewed", "count": {"exactly": 0}}""", 0, true)]
    [InlineData("""{"event": "Viewed", "count": {"exactly": 3}}""", 3, true)]
    [InlineData("""{"event": "Viewed", "count": {"exactly": 3}}""", 4, false)]
    public void Event_counts_compare_with_the_threshold(string json, int times, bool expected)
    {
        var events = Enumerable.Range(0, times).Select(i => Event("Viewed", _clock.GetUtcNow().AddMinutes(-i))).ToList();

        Assert.Equal(expected, ConditionEvaluator.Evaluate(ConditionParser.Parse(json).Condition!, Facts(events), _clock.GetUtcNow()));
    }

    [Fact]
    public void Only_events_whose_properties_all_match_the_filters_count()
    {
        var condition = ConditionParser.Parse("""
            {"event": "Provider Searched", "where": [
                {"property": "zip", "operator": "equals", "value": "10001"},
                {"property": "filters.radius", "operator": "lessThanOrEqual", "value": 25}]}
            """).Condition!;
        var now = _clock.GetUtcNow();

        Assert.True(ConditionEvaluator.Evaluate(condition, Facts([Event("Provider Searched", now, """{"zip": "10001", "filters": {"radius": 10}}""")]), now));
        Assert.False(ConditionEvaluator.Evaluate(condition, Facts([Event("Provider Searched", now, """{"zip": "10001", "filters": {"radius": 50}}""")]), now));
        Assert.False(ConditionEvaluator.Evaluate(condition, Facts([Event("Provider Searched", now, """{"zip": "10002", "filters": {"radius": 10}}""")]), now));
        Assert.False(ConditionEvaluator.Evaluate(condition, Facts([Event("Provider Searched", now, """{"zip": "10001", "filters": [10]}""")]), now));
    }

    [Theory]
    [InlineData("""{"plan": "gold"}""", "equals", "\"gold\"", true)]
    [InlineData("""{"plan": "Gold"}""", "equals", "\"gold\"", false)]
    [InlineData("""{"score": 1.50}""", "equals", "1.5", true)]
    [InlineData("""{"score": "1.5"}""", "equals", "1.5", false)]
    [InlineData("""{"vip": true}""", "equals", "true", true)]
    [InlineData("""{}""", "notEquals", "\"gold\"", true)]
    [InlineData("""{"plan": null}""", "notEquals", "\"gold\"", true)]
    [InlineData("""{"plan": "gold"}""", "notEquals", "\"gold\"", false)]
    [InlineData("""{"plan": "gold"}""", "exists", null, true)]
    [InlineData("""{"plan": null}""", "exists", null, false)]
    [InlineData("""{}""", "notExists", null, true)]
    [InlineData("""{"name": "Maria Lopez"}""", "contains", "\"Lopez\"", true)]
    [InlineData("""{"name": "Maria Lopez"}""", "contains", "\"lopez\"", false)]
    [InlineData("""{"tags": ["botox", "filler"]}""", "contains", "\"filler\"", true)]
    [InlineData("""{"tags": [["filler"]]}""", "contains", "\"filler\"", false)]
    [InlineData("""{"codes": [1, 2.0]}""", "contains", "2", true)]
    [InlineData("""{"score": 0.71}""", "greaterThan", "0.7", true)]
    [InlineData("""{"score": 0.7}""", "greaterThan", "0.7", false)]
    [InlineData("""{"score": 0.7}""", "greaterThanOrEqual", "0.7", true)]
    [InlineData("""{"score": "0.9"}""", "greaterThan", "0.7", false)]
    [InlineData("""{"score": 3}""", "lessThan", "4", true)]
    [InlineData("""{"score": 4}""", "lessThanOrEqual", "4", true)]
    [InlineData("""{"joined": "2025-01-15"}""", "before", "\"2025-02-01\"", true)]
    [InlineData("""{"joined": "2025-01-15T10:00:00+01:00"}""", "after", "\"2025-01-15T09:30:00Z\"", false)]
    [InlineData("""{"joined": "2025-01-15T10:00:00-01:00"}""", "after", "\"2025-01-15T09:30:00Z\"", true)]
    [InlineData("""{"joined": "January 15"}""", "before", "\"2025-02-01\"", false)]
    public void Trait_comparisons_follow_the_documented_rules(string traits, string op, string? value, bool expected)
    {
        var condition = ConditionParser.Parse($$"""{"trait": "{{FirstKey(traits)}}", "operator": "{{op}}"{{(value is null ? "" : $", \"value\": {value}")}}}""").Condition!;
        var facts = new ProfileFacts { Traits = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(traits)! };

        Assert.Equal(expected, ConditionEvaluator.Evaluate(condition, facts, _clock.GetUtcNow()));
    }

    [Fact]
    public void Computed_traits_audiences_and_models_are_read_from_the_facts()
    {
        var condition = ConditionParser.Parse("""
            {"and": [{"computedTrait": "searches", "operator": "greaterThanOrEqual", "value": 3}, {"audience": "vip"}, {"not": {"model": "churn-risk"}}]}
            """).Condition!;
        var facts = new ProfileFacts
        {
            ComputedTraits = new Dictionary<string, JsonElement> { ["searches"] = JsonSerializer.SerializeToElement(3) },
            Audiences = ["vip"],
        };

        Assert.True(ConditionEvaluator.Evaluate(condition, facts, _clock.GetUtcNow()));
        Assert.False(ConditionEvaluator.Evaluate(condition, new ProfileFacts
        {
            ComputedTraits = facts.ComputedTraits,
            Audiences = ["vip"],
            Models = new HashSet<string> { "churn-risk" },
        }, _clock.GetUtcNow()));
    }

    private static string FirstKey(string traits) =>
        JsonDocument.Parse(traits).RootElement.EnumerateObject().Select(member => member.Name).FirstOrDefault() ?? "plan";

    private static ProfileFacts Facts(List<ProfileEvent> events) => new() { Events = events };

    private static ProfileEvent Event(string name, DateTimeOffset at, string properties = "{}") =>
        new(Guid.NewGuid().ToString(), name, JsonDocument.Parse(properties).RootElement.Clone(), at);
}
