using System.Text.Json;
using Alle.Contracts;
using Alle.Ingestion.TrackingPlans;

namespace Alle.UnitTests.Ingestion;

public sealed class TrackingPlanTests
{
    private static JsonElement Json(string json) => JsonSerializer.Deserialize<JsonElement>(json);

    private static TrackedEvent Track(string name, string properties) => new("portal", Guid.NewGuid().ToString(), "track", "u1", null, name, null, null, null,
        Json(properties), null, null, null, DateTimeOffset.UnixEpoch, null, null, DateTimeOffset.UnixEpoch);

    private static async Task<TrackingPlan> Plan(string unplanned, string violations)
    {
        var (plan, errors) = await TrackingPlan.CompileAsync(new TrackingPlanDocument(
            [new PlannedEvent("Provider Searched", null, Json("""{"type":"object","properties":{"zip":{"type":"string"}},"required":["zip"]}"""))],
            Json("""{"type":"object","properties":{"email":{"type":"string","format":"email"}}}"""),
            unplanned, violations));
        Assert.Empty(errors);
        return plan!;
    }

    [Fact]
    public async Task A_conforming_event_passes()
    {
        var plan = await Plan("block", "block");

        Assert.Null(plan.Check(Track("Provider Searched", """{"zip":"10001"}"""), default));
    }

    [Theory]
    [InlineData("allow", null)]
    [InlineData("flag", "Flag")]
    [InlineData("block", "Block")]
    public async Task An_unplanned_event_is_treated_as_the_plan_says(string mode, string? action)
    {
        var plan = await Plan(mode, "allow");

        var violation = plan.Check(Track("Coupon Shared", "{}"), default);

        Assert.Equal(action, violation?.Action.ToString());
        if (violation is not null)
        {
            Assert.Equal("unplanned", violation.Kind);
            Assert.Equal("Coupon Shared", violation.EventKey);
        }
    }

    [Fact]
    public async Task A_schema_violation_names_what_is_wrong()
    {
        var plan = await Plan("allow", "flag");

        var violation = plan.Check(Track("Provider Searched", """{"zip":10001}"""), default);

        Assert.Equal("schema", violation!.Kind);
        Assert.Equal(PlanMode.Flag, violation.Action);
        Assert.Contains(violation.Errors, e => e.Contains("zip", StringComparison.Ordinal) && e.Contains("StringExpected", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Identify_traits_are_checked_against_the_traits_schema()
    {
        var plan = await Plan("allow", "block");
        var identify = new TrackedEvent("portal", "m", "identify", "u1", null, null, null, null, null, null, Json("""{"email":"not-an-email"}"""),
            null, null, DateTimeOffset.UnixEpoch, null, null, DateTimeOffset.UnixEpoch);

        Assert.Equal("identify", plan.Check(identify, default)!.EventKey);
    }

    [Fact]
    public async Task A_plan_with_bad_modes_schemas_or_names_does_not_compile()
    {
        var (plan, errors) = await TrackingPlan.CompileAsync(new TrackingPlanDocument(
            [new PlannedEvent("A", null, Json("""{"type":"object"}""")), new PlannedEvent("A", null, null), new PlannedEvent("B", null, Json("[1]"))],
            null, "reject", "flag"));

        Assert.Null(plan);
        Assert.Equal(["events[1].name", "events[2].properties", "unplannedEvents"], errors.Keys.Order());
    }
}
