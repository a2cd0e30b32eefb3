using Alle.Audiences.Conditions;

namespace Alle.UnitTests.Audiences;

public sealed class ConditionParserTests
{
    [Fact]
    public void The_north_star_audience_reads_as_a_search_in_the_last_30_days_and_never_a_redemption()
    {
        var parsed = ConditionParser.Parse("""
            {"and": [{"event": "Provider Searched", "within": "30d"}, {"not": {"event": "Offer Redeemed"}}]}
            """);

        Assert.True(parsed.IsValid);
        var all = Assert.IsType<AllOf>(parsed.Condition);
        var searched = Assert.IsType<EventCondition>(all.Conditions[0]);
        Assert.Equal("Provider Searched", searched.Event);
        Assert.Equal(TimeSpan.FromDays(30), searched.Within!.Value.Length);
        Assert.Equal(CountRule.AtLeastOnce, searched.Count);
        var redeemed = Assert.IsType<EventCondition>(Assert.IsType<Not>(all.Conditions[1]).Condition);
        Assert.Equal("Offer Redeemed", redeemed.Event);
        Assert.Null(redeemed.Within);
    }

    [Theory]
    [InlineData("""{}""", "$")]
    [InlineData("""[]""", "$")]
    [InlineData("""{"trait": "plan", "event": "Signed Up"}""", "$")]
    [InlineData("""{"and": []}""", "$.and")]
    [InlineData("""{"or": {"trait": "plan", "operator": "exists"}}""", "$.or")]
    [InlineData("""{"and": [{"event": "A"}, {"event": "B", "within": "30 days"}]}""", "$.and[1].within")]
    [InlineData("""{"trait": "plan", "operator": "like", "value": "gold"}""", "$.operator")]
    [InlineData("""{"trait": "age", "operator": "greaterThan", "value": "30"}""", "$.value")]
    [InlineData("""{"trait": "plan", "operator": "equals"}""", "$.value")]
    [InlineData("""{"trait": "plan", "operator": "equals", "value": {"tier": 1}}""", "$.value")]
    [InlineData("""{"trait": "birthday", "operator": "before", "value": "2024-02-30"}""", "$.value")]
    [InlineData("""{"trait": "birthday", "operator": "after", "value": "2024-02-03T10:00:00"}""", "$.value")]
    [InlineData("""{"not": {"trait": "plan", "operator": "exists", "value": true}}""", "$.not.value")]
    [InlineData("""{"trait": "", "operator": "exists"}""", "$.trait")]
    [InlineData("""{"trait": "plan", "operator": "exists", "colour": "red"}""", "$.colour")]
    [InlineData("""{"event": "Provider Searched", "count": {"atLeast": 0}}""", "$.count.atLeast")]
    [InlineData("""{"event": "Provider Searched", "count": {"between": 2}}""", "$.count")]
    [InlineData("""{"event": "Provider Searched", "count": {"atMost": 1, "atLeast": 1}}""", "$.count")]
    [InlineData("""{"event": "Provider Searched", "where": [{"property": "a..b", "operator": "exists"}]}""", "$.where[0].property")]
    [InlineData("""{"event": "Provider Searched", "where": [{"property": "items.0", "operator": "exists"}]}""", "$.where[0].property")]
    [InlineData("""{"event": "Provider Searched", "where": [{"property": "zip", "operator": "equals", "value": [1]}]}""", "$.where[0].value")]
    [InlineData("""{"or": [{"audience": ""}]}""", "$.or[0].audience")]
    [InlineData("""{"and": [{"or": [{"trait": "a", "operator": "exists"}, {"computedTrait": "b", "operator": "lessThan", "value": true}]}]}""", "$.and[0].or[1].value")]
    public void An_invalid_definition_is_refused_with_an_error_at_the_offending_node(string json, string path)
    {
        var parsed = ConditionParser.Parse(json);

        Assert.False(parsed.IsValid);
        Assert.Null(parsed.Condition);
        Assert.Contains(path, parsed.Errors.ToDictionary().Keys);
    }

    [Fact]
    public void Errors_carry_the_path_prefix_of_the_request_body_and_every_error_is_reported()
    {
        var parsed = ConditionParser.Parse(System.Text.Json.JsonDocument.Parse("""
            {"and": [{"event": ""}, {"trait": "plan", "operator": "nope"}]}
            """).RootElement, "$.condition");

        Assert.Equal(["$.condition.and[0].event", "$.condition.and[1].operator"], parsed.Errors.ToDictionary().Keys.Order());
    }

    [Fact]
    public void Nesting_beyond_the_limit_is_refused()
    {
        var json = string.Concat(Enumerable.Repeat("""{"not": """, ConditionParser.MaxDepth)) + """{"trait": "a", "operator": "exists"}""" + new string('}', ConditionParser.MaxDepth);

        var parsed = ConditionParser.Parse(json);

        Assert.False(parsed.IsValid);
        Assert.Contains(parsed.Errors.ToDictionary().Values, messages => messages.Any(message => message.Contains("nested", StringComparison.Ordinal)));
    }

    [Fact]
    public void References_to_other_definitions_are_collected_with_their_paths()
    {
        var parsed = ConditionParser.Parse("""
            {"or": [{"audience": "vip"}, {"and": [{"model": "offer-propensity"}, {"computedTrait": "searches_30d", "operator": "greaterThan", "value": 2}]}]}
            """);

        Assert.Equal(
            [
                new ConditionReference(ReferenceKind.Audience, "vip", "$.or[0].audience"),
                new ConditionReference(ReferenceKind.Model, "offer-propensity", "$.or[1].and[0].model"),
                new ConditionReference(ReferenceKind.ComputedTrait, "searches_30d", "$.or[1].and[1].computedTrait"),
            ],
            parsed.References);
    }

    [Theory]
    [InlineData("10s", 10)]
    [InlineData("15m", 15 * 60)]
    [InlineData("12h", 12 * 3600)]
    [InlineData("30d", 30 * 86400)]
    [InlineData("2w", 14 * 86400)]
    public void Windows_are_written_with_a_unit(string text, int seconds)
    {
        Assert.True(TimeWindow.TryParse(text, out var window));
        Assert.Equal(TimeSpan.FromSeconds(seconds), window.Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("d")]
    [InlineData("0d")]
    [InlineData("-1d")]
    [InlineData("30")]
    [InlineData("30 d")]
    [InlineData("1y")]
    [InlineData("3651d")]
    public void Malformed_or_unbounded_windows_are_refused(string text) => Assert.False(TimeWindow.TryParse(text, out _));
}
