using System.Text.Json;
using Alle.Web.Pages.Console.Audiences;

namespace Alle.UnitTests.Web;

public sealed class AudienceBuilderSchemaTests
{
    private static readonly BuilderSchema s_schema = new(
        ["Provider Searched"],
        new Dictionary<string, IReadOnlyList<SchemaName>>
        {
            ["Provider Searched"] = [new SchemaName("zip", ["string"]), new SchemaName("radius", ["number"]), new SchemaName("open", ["boolean"])],
        },
        [new SchemaName("loyalty_tier", ["string"]), new SchemaName("visits", ["number"])],
        [("searches_30d", "Searches in 30 days")],
        [("north_star", "North star")]);

    [Fact]
    public void Lines_in_a_group_become_one_nested_condition_in_the_place_of_the_group_s_first_line()
    {
        var (condition, errors) = ConditionForm.Build(
        [
            new ConditionRow { Event = "Provider Searched", Within = "30d" },
            new ConditionRow { Group = "A", Kind = "trait", Trait = "loyalty_tier", TraitValue = "gold" },
            new ConditionRow { Group = "A", Kind = "computedTrait", ComputedTrait = "searches_30d", TraitOperator = "greaterThan", TraitValue = "3" },
            new ConditionRow { Negate = true, Kind = "audience", Audience = "north_star" },
        ], "and", new Dictionary<string, string> { ["A"] = "or" }, s_schema);

        Assert.Empty(errors);
        Assert.Equal(
            """{"and":[{"event":"Provider Searched","within":"30d"},{"or":[{"trait":"loyalty_tier","operator":"equals","value":"gold"},{"computedTrait":"searches_30d","operator":"greaterThan","value":3}]},{"not":{"audience":"north_star"}}]}""",
            JsonSerializer.Serialize(condition));
    }

    [Fact]
    public void A_value_is_read_as_the_type_the_schema_knows_for_its_property_or_trait()
    {
        var (zip, _) = ConditionForm.Build([new ConditionRow { Event = "Provider Searched", Property = "zip", PropertyValue = "10001" }], "and", schema: s_schema);
        var (radius, _) = ConditionForm.Build([new ConditionRow { Event = "Provider Searched", Property = "radius", PropertyOperator = "lessThan", PropertyValue = "5" }], "and", schema: s_schema);
        var (_, errors) = ConditionForm.Build([new ConditionRow { Kind = "trait", Trait = "visits", TraitValue = "many" }], "and", schema: s_schema);

        Assert.Equal("""{"event":"Provider Searched","where":[{"property":"zip","operator":"equals","value":"10001"}]}""", JsonSerializer.Serialize(zip));
        Assert.Equal("""{"event":"Provider Searched","where":[{"property":"radius","operator":"lessThan","value":5}]}""", JsonSerializer.Serialize(radius));
        Assert.Equal(["Line 1: the value is a number."], errors);
    }

    [Fact]
    public void Operators_and_inputs_fit_the_type_of_what_a_line_names()
    {
        Assert.Equal(["equals", "notEquals", "exists", "notExists", "greaterThan", "greaterThanOrEqual", "lessThan", "lessThanOrEqual"],
            BuilderSchema.OperatorsFor(s_schema.PropertyTypes("Provider Searched", "radius")));
        Assert.Equal(["equals", "notEquals", "exists", "notExists"], BuilderSchema.OperatorsFor(s_schema.PropertyTypes("Provider Searched", "open")));
        Assert.Equal(ConditionForm.Operators, BuilderSchema.OperatorsFor(s_schema.PropertyTypes("Provider Searched", "unknown")));
        Assert.Equal("number", BuilderSchema.InputFor(["number"]));
        Assert.Equal("boolean", BuilderSchema.InputFor(["boolean"]));
        Assert.Equal("text", BuilderSchema.InputFor(["number", "string"]));
        Assert.Equal(["open", "radius", "zip"], s_schema.PropertiesOf(null).Select(p => p.Name));
    }

    [Fact]
    public void A_saved_condition_reads_back_into_the_same_lines_and_groups()
    {
        var rows = new List<ConditionRow>
        {
            new() { Event = "Provider Searched", Within = "30d", Property = "zip", PropertyValue = "\"10001\"", CountOperator = "atLeast", Count = 2 },
            new() { Group = "A", Kind = "trait", Trait = "loyalty_tier", TraitValue = "gold" },
            new() { Group = "A", Negate = true, Kind = "audience", Audience = "north_star" },
        };
        var (condition, _) = ConditionForm.Build(rows, "or", new Dictionary<string, string> { ["A"] = "and" });

        var lines = ConditionReader.TryRead(condition!.Value)!;
        var (again, _) = ConditionForm.Build(lines.Rows, lines.Combine, lines.GroupCombines);

        Assert.Equal("or", lines.Combine);
        Assert.Equal(JsonSerializer.Serialize(condition), JsonSerializer.Serialize(again));
        Assert.Equal("\"10001\"", lines.Rows[0].PropertyValue);
    }

    [Fact]
    public void A_condition_the_lines_cannot_show_is_left_to_the_json_editor()
    {
        using var deep = JsonDocument.Parse("""{"and": [{"or": [{"and": [{"event": "A"}, {"event": "B"}]}, {"event": "C"}]}, {"event": "D"}]}""");
        using var model = JsonDocument.Parse("""{"model": "offer-propensity"}""");

        Assert.Null(ConditionReader.TryRead(deep.RootElement));
        Assert.Null(ConditionReader.TryRead(model.RootElement));
    }
}
