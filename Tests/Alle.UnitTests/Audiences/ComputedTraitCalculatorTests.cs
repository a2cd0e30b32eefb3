using System.Text.Json;
using Alle.Audiences.ComputedTraits;
using Alle.Audiences.Conditions;
using Microsoft.Extensions.Time.Testing;

namespace Alle.UnitTests.Audiences;

public sealed class ComputedTraitCalculatorTests
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 6, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void A_counter_counts_matching_events_in_its_window_and_drops_them_as_time_passes()
    {
        var trait = Trait("""{"kind": "counter", "event": "Provider Searched", "within": "7d", "where": [{"property": "zip", "operator": "exists"}]}""");
        var now = _clock.GetUtcNow();
        var events = new[]
        {
            Event("Provider Searched", now.AddDays(-6), """{"zip": "10001"}"""),
            Event("Provider Searched", now.AddDays(-1), """{"zip": "10002"}"""),
            Event("Provider Searched", now.AddDays(-1), """{}"""),
            Event("Provider Searched", now.AddDays(-8), """{"zip": "10003"}"""),
            Event("Offer Redeemed", now, """{"zip": "10001"}"""),
        };

        Assert.Equal(2, Compute(trait, events).GetInt32());
        _clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(1, Compute(trait, events).GetInt32());
        _clock.Advance(TimeSpan.FromDays(6));
        Assert.Equal(0, Compute(trait, events).GetInt32());
    }

    [Theory]
    [InlineData("sum", "60.5")]
    [InlineData("avg", "20.1666666667")]
    [InlineData("min", "10")]
    [InlineData("max", "30.5")]
    public void An_aggregation_reads_the_numeric_values_of_a_property(string function, string expected)
    {
        var trait = Trait($$"""{"kind": "aggregation", "function": "{{function}}", "event": "Order Completed", "property": "total"}""");
        var now = _clock.GetUtcNow();
        var events = new[]
        {
            Event("Order Completed", now.AddDays(-3), """{"total": 10}"""),
            Event("Order Completed", now.AddDays(-2), """{"total": 20}"""),
            Event("Order Completed", now.AddDays(-1), """{"total": 30.5}"""),
            Event("Order Completed", now, """{"total": "a lot"}"""),
        };

        Assert.Equal(decimal.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), Compute(trait, events).GetDecimal());
    }

    [Fact]
    public void An_aggregation_without_any_numeric_value_has_no_value()
    {
        var trait = Trait("""{"kind": "aggregation", "function": "sum", "event": "Order Completed", "property": "total"}""");

        Assert.Null(ComputedTraitCalculator.Compute(trait, [Event("Order Completed", _clock.GetUtcNow(), """{"total": null}""")], _clock.GetUtcNow()));
    }

    [Fact]
    public void The_most_frequent_value_wins_and_a_tie_goes_to_the_most_recent()
    {
        var trait = Trait("""{"kind": "mostFrequent", "event": "Provider Viewed", "property": "providerId"}""");
        var now = _clock.GetUtcNow();
        var events = new List<ProfileEvent>
        {
            Event("Provider Viewed", now.AddHours(-5), """{"providerId": "p1"}"""),
            Event("Provider Viewed", now.AddHours(-4), """{"providerId": "p2"}"""),
            Event("Provider Viewed", now.AddHours(-3), """{"providerId": "p1"}"""),
            Event("Provider Viewed", now.AddHours(-2), """{"providerId": "p2"}"""),
        };

        Assert.Equal("p2", Compute(trait, events).GetString());
        events.Add(Event("Provider Viewed", now.AddHours(-1), """{"providerId": "p1"}"""));
        Assert.Equal("p1", Compute(trait, events).GetString());
    }

    [Fact]
    public void First_and_last_take_the_earliest_and_latest_event_carrying_the_property()
    {
        var now = _clock.GetUtcNow();
        var events = new[]
        {
            Event("Provider Searched", now.AddDays(-1), """{"zip": "20002"}"""),
            Event("Provider Searched", now.AddDays(-3), """{"other": 1}"""),
            Event("Provider Searched", now.AddDays(-2), """{"zip": "10001"}"""),
            Event("Provider Searched", now, """{"zip": null}"""),
        };

        Assert.Equal("10001", Compute(Trait("""{"kind": "first", "event": "Provider Searched", "property": "zip"}"""), events).GetString());
        Assert.Equal("20002", Compute(Trait("""{"kind": "last", "event": "Provider Searched", "property": "zip"}"""), events).GetString());
    }

    [Fact]
    public void A_distinct_list_holds_each_value_once_sorted()
    {
        var trait = Trait("""{"kind": "distinct", "event": "Treatment Booked", "property": "treatment"}""");
        var now = _clock.GetUtcNow();
        var events = new[] { "filler", "botox", "filler", "peel" }.Select((treatment, i) => Event("Treatment Booked", now.AddMinutes(i), $$"""{"treatment": "{{treatment}}"}"""));

        Assert.Equal(["botox", "filler", "peel"], Compute(trait, events).EnumerateArray().Select(value => value.GetString()));
    }

    [Fact]
    public void A_distinct_list_is_capped()
    {
        var trait = Trait("""{"kind": "distinct", "event": "Viewed", "property": "n"}""");
        var events = Enumerable.Range(0, 150).Select(n => Event("Viewed", _clock.GetUtcNow(), $$"""{"n": {{n}}}"""));

        var values = Compute(trait, events).EnumerateArray().Select(value => value.GetInt32()).ToList();
        Assert.Equal(ComputedTraitCalculator.MaxDistinctValues, values.Count);
        Assert.Equal(Enumerable.Range(0, ComputedTraitCalculator.MaxDistinctValues), values);
    }

    [Theory]
    [InlineData("""{"kind": "sum", "event": "A"}""", "$.kind")]
    [InlineData("""{"kind": "counter"}""", "$.event")]
    [InlineData("""{"kind": "counter", "event": "A", "property": "x"}""", "$.property")]
    [InlineData("""{"kind": "aggregation", "event": "A", "property": "x"}""", "$.function")]
    [InlineData("""{"kind": "aggregation", "function": "median", "event": "A", "property": "x"}""", "$.function")]
    [InlineData("""{"kind": "last", "event": "A"}""", "$.property")]
    [InlineData("""{"kind": "counter", "event": "A", "within": "forever"}""", "$.within")]
    [InlineData("""{"kind": "counter", "event": "A", "where": [{"property": "x", "operator": "equals"}]}""", "$.where[0].value")]
    public void Invalid_definitions_are_refused_at_the_offending_member(string json, string path)
    {
        var errors = new ValidationErrors();

        Assert.Null(ComputedTraitDefinition.Parse(JsonDocument.Parse(json).RootElement, "$", errors));
        Assert.Contains(path, errors.ToDictionary().Keys);
    }

    private JsonElement Compute(ComputedTraitDefinition trait, IEnumerable<ProfileEvent> events) =>
        ComputedTraitCalculator.Compute(trait, events, _clock.GetUtcNow())!.Value;

    private static ComputedTraitDefinition Trait(string json)
    {
        var errors = new ValidationErrors();
        var trait = ComputedTraitDefinition.Parse(JsonDocument.Parse(json).RootElement.Clone(), "$", errors);
        Assert.True(errors.IsEmpty, string.Join("; ", errors.ToDictionary().Select(pair => $"{pair.Key}: {string.Join(", ", pair.Value)}")));
        return trait!;
    }

    private static ProfileEvent Event(string name, DateTimeOffset at, string properties) =>
        new(Guid.NewGuid().ToString(), name, JsonDocument.Parse(properties).RootElement.Clone(), at);
}
