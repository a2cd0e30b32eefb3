using System.Text.Json;
using System.Text.Json.Nodes;
using Alle.Web.Charts;
using Alle.Web.Journeys;

namespace Alle.UnitTests.Web;

public sealed class JourneyBuilderFormTests
{
    private const string EveryStepType = """
        {"name": "Every step", "trigger": {"type": "event", "event": "Quiz Finished", "filters": [{"property": "score", "operator": "greater_than", "value": 7},
            {"property": "source", "operator": "exists"}, {"property": "zip", "operator": "equals", "value": "10001"}]},
         "entryPolicy": {"type": "once_per_days", "days": 30}, "category": "transactional", "contactWindow": "12h",
         "goal": {"event": "Offer Redeemed", "filters": [{"property": "value", "operator": "less_than", "value": 100}], "within": "14d"},
         "steps": [
           {"id": "pause", "type": "wait", "duration": "2d"},
           {"id": "morning", "type": "wait", "until": "09:00", "label": "Morning"},
           {"id": "visit", "type": "wait_for", "event": "Provider Checked In", "filters": [{"property": "city", "operator": "not_equals", "value": "Boston"}],
            "timeout": "3d", "next": "tier", "timeoutNext": "ab"},
           {"id": "tier", "type": "split", "condition": {"and": [{"trait": "tier", "operator": "equals", "value": "gold"}, {"not": {"audience": "lapsed"}}]},
            "yes": "coupon", "no": "end"},
           {"id": "ab", "type": "random_split", "paths": [{"name": "text", "weight": 80, "next": "flash"}, {"name": "holdout", "weight": 20, "holdout": true}]},
           {"id": "coupon", "type": "issue_coupon", "offerId": "0b6f3c1e-4a49-4d1f-9a3e-2f1f6d8a9b10"},
           {"id": "gold", "type": "send_sms", "template": "Hi {{ traits.firstName }}: {{ coupon.code }}", "next": "tracked"},
           {"id": "flash", "type": "issue_coupon", "offerIdProperty": "flashOfferId", "next": "bye"},
           {"id": "tracked", "type": "track", "event": "Perk Offered", "properties": {"perk": "gold", "value": 100, "zip": "02134", "tags": ["a", "b"]}},
           {"id": "bye", "type": "exit"}
         ]}
        """;

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static void AssertSameJson(JsonElement expected, JsonElement actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected.GetRawText()), JsonNode.Parse(actual.GetRawText())),
            $"expected {expected.GetRawText()}\nactual   {actual.GetRawText()}");

    [Fact]
    public void Every_step_type_trigger_goal_and_policy_round_trips_through_the_form()
    {
        var definition = Json(EveryStepType);

        var form = JourneyDefinitionMapping.FromDefinition(definition);
        var (again, errors) = JourneyDefinitionMapping.ToDefinition(form);

        Assert.Empty(errors);
        AssertSameJson(definition, again);
        Assert.Equal(["wait", "wait", "wait_for", "split", "random_split", "issue_coupon", "send_sms", "issue_coupon", "track", "exit"], form.Steps.Select(step => step.Type));
        Assert.Equal((2, "d"), (form.Steps[0].Duration.Amount, form.Steps[0].Duration.Unit));
        Assert.Equal("until", form.Steps[1].WaitMode);
        Assert.Equal([("trait", "tier", false), ("audience", "lapsed", true)], form.Steps[3].Conditions.Select(row => (row.Kind, row.Key!, row.Negate)));
        Assert.Equal(StepForm.OfferFromEvent, form.Steps[7].OfferId);
        Assert.Equal("\"10001\"", form.TriggerFilters[2].Value);
    }

    [Fact]
    public void An_audience_trigger_with_its_current_members_and_the_single_text_of_a_new_journey_round_trip()
    {
        var definition = Json("""
            {"name": "Welcome", "trigger": {"type": "audience", "audienceKey": "north_star", "enrolCurrentMembers": true},
             "entryPolicy": {"type": "every_time"}, "category": "marketing", "steps": [{"id": "text", "type": "send_sms", "template": "Hello"}]}
            """);

        AssertSameJson(definition, JourneyDefinitionMapping.ToDefinition(JourneyDefinitionMapping.FromDefinition(definition)).Definition);

        var fresh = JourneyFormEdits.NewJourney("north_star");
        fresh.Name = "Welcome";
        fresh.Steps[0].Template = "Hello";
        var (built, _) = JourneyDefinitionMapping.ToDefinition(fresh);
        Assert.Equal("""{"type":"audience","audienceKey":"north_star"}""", built.GetProperty("trigger").GetRawText());
        Assert.Equal("""[{"id":"text","type":"send_sms","template":"Hello"}]""", built.GetProperty("steps").GetRawText());
    }

    [Fact]
    public void A_definition_as_Messaging_answers_it_with_every_absent_field_null_reads_into_the_form()
    {
        var stored = Json("""
            {"name": "Stored", "trigger": {"type": "event", "audienceKey": null, "event": "Quiz Finished", "filters": null, "enrolCurrentMembers": false},
             "entryPolicy": {"type": "once", "days": null}, "category": "marketing", "contactWindow": null, "goal": null,
             "steps": [{"id": "ab", "type": "random_split", "next": null, "label": null, "duration": null, "until": null, "event": null, "filters": null,
                        "timeout": null, "timeoutNext": null, "condition": null, "yes": null, "no": null, "offerId": null, "offerIdProperty": null,
                        "template": null, "properties": null, "paths": [{"name": "a", "weight": 1, "next": null, "holdout": false}, {"name": "b", "weight": 1, "next": null, "holdout": true}]},
                       {"id": "text", "type": "send_sms", "next": null, "condition": null, "paths": null, "properties": null, "template": "Hi"}]}
            """);

        var (definition, errors) = JourneyDefinitionMapping.ToDefinition(JourneyDefinitionMapping.FromDefinition(stored));

        Assert.Empty(errors);
        AssertSameJson(Json("""
            {"name": "Stored", "trigger": {"type": "event", "event": "Quiz Finished", "filters": []}, "entryPolicy": {"type": "once"}, "category": "marketing",
             "steps": [{"id": "ab", "type": "random_split", "paths": [{"name": "a", "weight": 1}, {"name": "b", "weight": 1, "holdout": true}]},
                       {"id": "text", "type": "send_sms", "template": "Hi"}]}
            """), definition);
    }

    [Fact]
    public void Split_conditions_are_built_from_fields_and_a_condition_too_nested_for_them_is_kept_as_json()
    {
        var form = JourneyFormEdits.NewJourney(null);
        var split = JourneyFormEdits.AddStep(form, "split", "tier");
        split.Combine = "or";
        split.Conditions =
        [
            new SplitConditionRow { Kind = "computedTrait", Key = "visits_90d", Operator = "greaterThanOrEqual", Value = "3" },
            new SplitConditionRow { Kind = "audience", Key = "vip", Operator = "equals", Value = "ignored" },
            new SplitConditionRow { Kind = "event", Key = "Offer Redeemed", Negate = true, CountOperator = "atLeast", Count = 2, Within = "30d" },
            new SplitConditionRow { Kind = "trait", Key = "email", Operator = "exists", Value = "ignored" },
            new SplitConditionRow(),
        ];

        var condition = JourneyDefinitionMapping.ToDefinition(form).Definition.GetProperty("steps")[1].GetProperty("condition");

        Assert.Equal("""{"or":[{"computedTrait":"visits_90d","operator":"greaterThanOrEqual","value":3},{"audience":"vip"},""" +
            """{"not":{"event":"Offer Redeemed","count":{"atLeast":2},"within":"30d"}},{"trait":"email","operator":"exists"}]}""", condition.GetRawText());

        var nested = Json("""
            {"name": "n", "trigger": {"type": "audience", "audienceKey": "a"}, "entryPolicy": {"type": "once"}, "category": "marketing", "steps": [
            {"id": "deep", "type": "split", "condition": {"and": [{"or": [{"trait": "a", "operator": "equals", "value": 1}, {"model": "churn"}]}]}, "yes": "end"}]}
            """);
        var kept = JourneyDefinitionMapping.FromDefinition(nested);
        Assert.Empty(kept.Steps[0].Conditions);
        Assert.NotNull(kept.Steps[0].ConditionJson);
        AssertSameJson(nested, JourneyDefinitionMapping.ToDefinition(kept).Definition);

        kept.Steps[0].ConditionJson = "{not json";
        Assert.StartsWith("Step \"deep\": the condition is not JSON", JourneyDefinitionMapping.ToDefinition(kept).Errors["steps[0].condition"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void Moving_steps_keeps_every_named_target_on_its_step_while_a_target_left_out_follows_the_new_order()
    {
        var form = JourneyDefinitionMapping.FromDefinition(Json("""
            {"name": "n", "trigger": {"type": "audience", "audienceKey": "a"}, "steps": [
              {"id": "tier", "type": "split", "condition": {"trait": "tier", "operator": "equals", "value": "gold"}, "yes": "gold", "no": "standard"},
              {"id": "standard", "type": "send_sms", "template": "s", "next": "end"},
              {"id": "gold", "type": "send_sms", "template": "g"},
              {"id": "after", "type": "track", "event": "Done"}]}
            """));

        JourneyFormEdits.MoveStep(form, 2, -1);
        JourneyFormEdits.MoveStep(form, 0, -1);
        JourneyFormEdits.MoveStep(form, 3, +1);

        var steps = JourneyDefinitionMapping.ToDefinition(form).Definition.GetProperty("steps");
        Assert.Equal(["tier", "gold", "standard", "after"], steps.EnumerateArray().Select(step => step.GetProperty("id").GetString()));
        Assert.Equal(("gold", "standard"), (steps[0].GetProperty("yes").GetString(), steps[0].GetProperty("no").GetString()));
        Assert.Equal("end", steps[2].GetProperty("next").GetString());
        Assert.False(steps[1].TryGetProperty("next", out _));
        Assert.Contains(new DiagramEdge("gold", "standard", "next"), JourneyDiagram.Layout(JourneyDefinitionMapping.ToDefinition(form).Definition).Edges);
    }

    [Fact]
    public void Removing_a_step_another_leads_to_is_refused_and_names_who_leads_there()
    {
        var form = JourneyDefinitionMapping.FromDefinition(Json("""
            {"name": "n", "trigger": {"type": "audience", "audienceKey": "a"}, "steps": [
              {"id": "visit", "type": "wait_for", "event": "Provider Checked In", "timeout": "3d", "timeoutNext": "missed"},
              {"id": "ab", "type": "random_split", "paths": [{"name": "text", "weight": 1, "next": "missed"}, {"name": "holdout", "weight": 1, "holdout": true}]},
              {"id": "missed", "type": "send_sms", "template": "m"},
              {"id": "spare", "type": "exit"}]}
            """));

        var refusal = JourneyFormEdits.RemoveStep(form, 2);

        Assert.Equal("Step \"missed\" was not removed: \"visit\" (timeout), \"ab\" (text) lead to it. Point them elsewhere first.", refusal);
        Assert.Equal(4, form.Steps.Count);
        Assert.Null(JourneyFormEdits.RemoveStep(form, 3));
        Assert.Equal(["visit", "ab", "missed"], form.Steps.Select(step => step.Id));
    }

    [Fact]
    public void A_renamed_step_takes_its_references_along_and_new_steps_get_ids_of_their_own()
    {
        var form = JourneyFormEdits.NewJourney(null);
        var split = JourneyFormEdits.AddStep(form, "split");
        var second = JourneyFormEdits.AddStep(form, "send_sms");
        var holdout = JourneyFormEdits.AddStep(form, "random_split", "split");
        (split.Yes, split.No) = ("text", "text-2");
        holdout.Paths[0].Next = "text-2";

        form.Steps[1].Id = "tier";
        second.Id = " standard ";
        JourneyFormEdits.FollowRenames(form);

        Assert.Equal(["text", "tier", "standard", "split-2"], form.Steps.Select(step => step.Id));
        Assert.Equal(("text", "standard"), (split.Yes, split.No));
        Assert.Equal("standard", holdout.Paths[0].Next);
        Assert.True(holdout.Paths[1].Holdout);
        Assert.All(form.Steps, step => Assert.Equal(step.Id, step.OriginalId));
    }

    [Fact]
    public void The_blank_rows_a_post_brings_back_are_left_out_so_they_do_not_pile_up()
    {
        var form = JourneyFormEdits.NewJourney(null);
        form.TriggerFilters = [new FilterRow { Property = "score", Operator = "exists" }, new FilterRow()];
        form.GoalFilters = [new FilterRow()];
        var split = JourneyFormEdits.AddStep(form, "split");
        split.Conditions = [new SplitConditionRow(), new SplitConditionRow { Key = "tier", Value = "gold" }, new SplitConditionRow()];
        var ab = JourneyFormEdits.AddStep(form, "random_split");
        ab.Paths.Add(new PathRow());
        var track = JourneyFormEdits.AddStep(form, "track");
        track.Properties = [new PropertyRow { Value = "ignored without a name" }];

        JourneyFormEdits.DropBlankRows(form);

        Assert.Equal(["score"], form.TriggerFilters.Select(row => row.Property));
        Assert.Empty(form.GoalFilters);
        Assert.Equal(["tier"], split.Conditions.Select(row => row.Key));
        Assert.Equal(2, ab.Paths.Count);
        Assert.Empty(track.Properties);
    }

    [Fact]
    public void Messagings_errors_are_sorted_by_the_step_they_name_and_the_rest_by_field()
    {
        var (byStep, journey) = JourneyFormEdits.SortErrors(new Dictionary<string, string[]>
        {
            ["steps[2].template"] = ["Step \"gold\": not a valid Liquid template"],
            ["steps[2]"] = ["Step \"gold\" cannot be reached from the first step."],
            ["steps[0].condition.and[0].value"] = ["Step \"tier\": a value is required"],
            ["trigger.event"] = ["An event trigger names the track event."],
        });

        Assert.Equal([0, 2], byStep.Keys.Order());
        Assert.Equal(2, byStep[2].Count);
        Assert.Equal(["Trigger: An event trigger names the track event."], journey);
    }

    [Fact]
    public void The_diagram_says_what_each_step_does_and_marks_the_steps_with_errors()
    {
        var definition = Json(EveryStepType);

        var svg = JourneyDiagram.Svg("Every step", definition, invalid: ["gold"]).ToString()!;
        var (nodes, _) = JourneyDiagram.Layout(definition);

        Assert.Equal("for 2d", nodes.Single(node => node.Id == "pause").Summary);
        Assert.Equal("until 09:00", nodes.Single(node => node.Id == "morning").Summary);
        Assert.Equal("all of 2 conditions", nodes.Single(node => node.Id == "tier").Summary);
        Assert.Equal("text 80 · holdout 20", nodes.Single(node => node.Id == "ab").Summary);
        Assert.Equal("offer in event.flashOfferId", nodes.Single(node => node.Id == "flash").Summary);
        Assert.Equal("Hi {{ traits.firstName }}:…", nodes.Single(node => node.Id == "gold").Summary);
        Assert.Contains("class=\"step send_sms invalid\" data-step=\"gold\"", svg, StringComparison.Ordinal);
        Assert.Single(svg.Split("invalid\"").Skip(1));
    }
}
