using System.Text.Json;
using Alle.Web.Pages.Console.Audiences;

namespace Alle.UnitTests.Web;

public sealed class AudienceBuilderTests
{
    [Fact]
    public void The_north_star_lines_become_an_and_of_a_windowed_filtered_event_and_a_negated_event()
    {
        var (condition, errors) = ConditionForm.Build(
        [
            new ConditionRow { Event = "Provider Searched", Within = "30d", Property = "tag", PropertyValue = "abc" },
            new ConditionRow { Negate = true, Event = "Offer Redeemed" },
            new ConditionRow(),
        ], "and");

        Assert.Empty(errors);
        Assert.Equal(
            """{"and":[{"event":"Provider Searched","where":[{"property":"tag","operator":"equals","value":"abc"}],"within":"30d"},{"not":{"event":"Offer Redeemed"}}]}""",
            JsonSerializer.Serialize(condition));
    }

    [Fact]
    public void A_single_trait_line_is_the_condition_itself_with_typed_values()
    {
        var (number, _) = ConditionForm.Build([new ConditionRow { Kind = "trait", Trait = "offer_propensity", TraitOperator = "greaterThan", TraitValue = "0.7" }], "or");
        var (text, _) = ConditionForm.Build([new ConditionRow { Kind = "trait", Trait = "zip", TraitValue = "\"10001\"" }], "and");
        var (exists, _) = ConditionForm.Build([new ConditionRow { Kind = "trait", Trait = "email", TraitOperator = "exists", TraitValue = "ignored" }], "and");

        Assert.Equal("""{"trait":"offer_propensity","operator":"greaterThan","value":0.7}""", JsonSerializer.Serialize(number));
        Assert.Equal("""{"trait":"zip","operator":"equals","value":"10001"}""", JsonSerializer.Serialize(text));
        Assert.Equal("""{"trait":"email","operator":"exists"}""", JsonSerializer.Serialize(exists));
    }

    [Fact]
    public void Counts_and_any_of_combine_as_or()
    {
        var (condition, errors) = ConditionForm.Build(
        [
            new ConditionRow { Event = "Provider Checked In", CountOperator = "atLeast", Count = 2, Within = "90d" },
            new ConditionRow { Kind = "trait", Trait = "loyalty_tier", TraitValue = "gold" },
        ], "or");

        Assert.Empty(errors);
        Assert.Equal(
            """{"or":[{"event":"Provider Checked In","count":{"atLeast":2},"within":"90d"},{"trait":"loyalty_tier","operator":"equals","value":"gold"}]}""",
            JsonSerializer.Serialize(condition));
    }

    [Theory]
    [InlineData("thirty days")]
    [InlineData("30")]
    [InlineData("30y")]
    public void A_malformed_window_names_its_line_and_builds_nothing(string window)
    {
        var (condition, errors) = ConditionForm.Build([new ConditionRow(), new ConditionRow { Event = "Provider Searched", Within = window }], "and");

        Assert.Null(condition);
        Assert.Contains(errors, e => e.StartsWith("Line 2:", StringComparison.Ordinal));
    }

    [Fact]
    public void Only_blank_lines_ask_for_a_condition()
    {
        var (condition, errors) = ConditionForm.Build([new ConditionRow(), new ConditionRow { Kind = "trait" }], "and");

        Assert.Null(condition);
        Assert.Equal(["Add at least one condition."], errors);
    }
}
