using System.Text.Json;
using System.Text.Json.Nodes;
using Alle.Web.Pages.Console.TrackingPlans;

namespace Alle.UnitTests.Web;

public sealed class TrackingPlanFormTests
{
    private static TrackingPlanForm OrderForm() => new()
    {
        UnplannedEvents = "flag",
        Violations = "block",
        Events =
        [
            new PlannedEventForm
            {
                Name = "Order Completed", Description = "An order was paid",
                Properties =
                [
                    new PropertyForm { Name = "total", Type = "number", Required = true },
                    new PropertyForm { Name = "coupon", Type = "string" },
                    new PropertyForm { Name = "items", Type = "array" },
                    new PropertyForm { Name = "quantity", Type = "integer", Required = true },
                    new PropertyForm { Name = "gift", Type = "boolean" },
                    new PropertyForm { Name = "shipping", Type = "object" },
                ],
            },
            new PlannedEventForm { Name = "Signed Out" },
        ],
    };

    [Fact]
    public void The_form_writes_a_json_schema_per_event_with_types_and_required_properties()
    {
        var document = TrackingPlanMapping.ToDocument(OrderForm());

        var expected = JsonNode.Parse("""
            {
              "events": [
                { "name": "Order Completed", "description": "An order was paid",
                  "properties": { "type": "object", "required": ["total", "quantity"], "properties": {
                    "total": { "type": "number" }, "coupon": { "type": "string" }, "items": { "type": "array" },
                    "quantity": { "type": "integer" }, "gift": { "type": "boolean" }, "shipping": { "type": "object" } } } },
                { "name": "Signed Out", "properties": { "type": "object", "properties": {} } }
              ],
              "unplannedEvents": "flag",
              "violations": "block"
            }
            """);
        Assert.True(JsonNode.DeepEquals(expected, document), document.ToJsonString());
    }

    [Fact]
    public void A_form_written_and_read_back_is_the_same_form()
    {
        var form = OrderForm();

        var (read, unsupported) = TrackingPlanMapping.FromDocument(JsonSerializer.SerializeToElement(TrackingPlanMapping.ToDocument(form)));

        Assert.Null(unsupported);
        Assert.Equivalent(form, read, strict: true);
    }

    [Fact]
    public void A_stored_plan_the_form_can_express_reads_back_into_the_same_document()
    {
        // As Ingestion answers it: members it does not have are null.
        var stored = JsonSerializer.Deserialize<JsonElement>("""
            { "events": [ { "name": "Provider Searched", "description": null,
                            "properties": { "type": "object", "required": ["zip"], "properties": { "zip": { "type": "string" }, "radius": { "type": "number" } } } } ],
              "identifyTraits": { "type": "object", "properties": { "tier": { "enum": ["silver", "gold"] } } },
              "unplannedEvents": "allow", "violations": "flag" }
            """);

        var (form, unsupported) = TrackingPlanMapping.FromDocument(stored);

        Assert.Null(unsupported);
        var searched = Assert.Single(form!.Events);
        Assert.Equal(["zip", "radius"], searched.Properties.Select(p => p.Name));
        Assert.Equal([true, false], searched.Properties.Select(p => p.Required));
        var written = TrackingPlanMapping.ToDocument(form);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(stored.GetProperty("identifyTraits").GetRawText()), written["identifyTraits"]), "identify traits are kept as they are");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(stored.GetProperty("events")[0].GetProperty("properties").GetRawText()), written["events"]![0]!["properties"]));
    }

    [Theory]
    [InlineData("""{ "events": [ { "name": "A", "properties": { "type": "object", "properties": { "zip": { "type": "string", "pattern": "^[0-9]{5}$" } } } } ] }""")]
    [InlineData("""{ "events": [ { "name": "A", "properties": { "type": "object", "additionalProperties": false, "properties": {} } } ] }""")]
    [InlineData("""{ "events": [ { "name": "A", "properties": { "type": "object", "properties": { "tier": { "enum": ["gold"] } } } } ] }""")]
    [InlineData("""{ "events": [ { "name": "A", "properties": { "type": "object", "required": ["missing"], "properties": {} } } ] }""")]
    [InlineData("""{ "events": [ { "name": "A", "properties": { "type": "object", "properties": { "when": { "type": ["string", "null"] } } } } ] }""")]
    [InlineData("""{ "events": [ { "name": "A", "properties": { "type": "object", "properties": { "at": { "type": "date" } } } } ] }""")]
    [InlineData("""{ "events": [ { "name": "A", "version": 2 } ] }""")]
    [InlineData("""{ "events": [ { "description": "no name" } ] }""")]
    [InlineData("""{ "events": [], "owner": "data team" }""")]
    [InlineData("""[]""")]
    public void A_schema_the_form_cannot_express_is_left_to_the_json_editor_with_the_reason(string json)
    {
        var (form, unsupported) = TrackingPlanMapping.FromDocument(JsonSerializer.Deserialize<JsonElement>(json));

        Assert.Null(form);
        Assert.False(string.IsNullOrWhiteSpace(unsupported));
    }

    [Fact]
    public void The_form_refuses_unnamed_and_repeated_properties_and_unknown_types_before_anything_is_sent()
    {
        var form = new TrackingPlanForm
        {
            Events =
            [
                new PlannedEventForm
                {
                    Name = "Order Completed",
                    Properties = [new PropertyForm { Name = "total" }, new PropertyForm { Name = " total " }, new PropertyForm { Name = "" }, new PropertyForm { Name = "at", Type = "date" }],
                },
                new PlannedEventForm { Name = " " },
            ],
        };

        var errors = TrackingPlanMapping.Check(form);

        Assert.Equal(
            ["Form.Events[0].Properties[1].Name", "Form.Events[0].Properties[2].Name", "Form.Events[0].Properties[3].Type", "Form.Events[1].Name"],
            errors.Keys.Order(StringComparer.Ordinal));
        Assert.Contains("listed twice", errors["Form.Events[0].Properties[1].Name"], StringComparison.Ordinal);
        Assert.Empty(TrackingPlanMapping.Check(OrderForm()));
    }
}
