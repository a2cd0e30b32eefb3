using System.Text.Json;
using Alle.Audiences.ComputedTraits;
using Alle.Audiences.Conditions;
using Alle.Audiences.Definitions;

namespace Alle.UnitTests.Audiences;

public sealed class CatalogTests
{
    private static readonly Catalog s_catalog = new(1,
        [
            Audience("searchers", """{"event": "Provider Searched", "within": "30d"}"""),
            Audience("gold", """{"trait": "plan", "operator": "equals", "value": "gold"}"""),
            Audience("gold-searchers", """{"and": [{"audience": "gold"}, {"audience": "searchers"}]}"""),
            Audience("vip", """{"or": [{"audience": "gold-searchers"}, {"computedTrait": "visits", "operator": "greaterThan", "value": 10}]}"""),
            Audience("propensity", """{"model": "offer-propensity"}"""),
        ],
        [new ComputedTrait(Guid.NewGuid(), "visits", "Visits", Trait("""{"kind": "counter", "event": "Provider Checked In", "within": "90d"}"""))],
        [new ModelDefinition(Guid.NewGuid(), "offer-propensity", IdentifierType.UserId)]);

    [Fact]
    public void Audiences_come_after_the_audiences_they_use()
    {
        var order = s_catalog.Audiences.Select(audience => audience.Key).ToList();

        Assert.True(order.IndexOf("gold") < order.IndexOf("gold-searchers"));
        Assert.True(order.IndexOf("searchers") < order.IndexOf("gold-searchers"));
        Assert.True(order.IndexOf("gold-searchers") < order.IndexOf("vip"));
    }

    [Fact]
    public void A_trait_change_affects_the_audiences_using_it_and_those_built_on_them_only()
    {
        var affected = s_catalog.AudiencesAffectedBy(new ProfileChange { Traits = new HashSet<string> { "plan" } });

        Assert.Equal(["gold", "gold-searchers", "vip"], affected.Select(audience => audience.Key));
    }

    [Fact]
    public void An_event_affects_the_audiences_counting_it_and_an_unrelated_event_affects_none()
    {
        Assert.Equal(["searchers", "gold-searchers", "vip"],
            s_catalog.AudiencesAffectedBy(new ProfileChange { Event = "Provider Searched" }).Select(audience => audience.Key));
        Assert.Empty(s_catalog.AudiencesAffectedBy(new ProfileChange { Event = "Page Viewed", Traits = new HashSet<string> { "nickname" } }));
    }

    [Fact]
    public void Computed_traits_identifiers_and_elapsed_windows_affect_their_audiences()
    {
        Assert.Equal(["vip"], s_catalog.AudiencesAffectedBy(new ProfileChange { ComputedTraits = new HashSet<string> { "visits" } }).Select(a => a.Key));
        Assert.Equal(["propensity"], s_catalog.AudiencesAffectedBy(new ProfileChange { IdentifiersChanged = true }).Select(a => a.Key));
        Assert.Equal(["searchers", "gold-searchers", "vip"], s_catalog.AudiencesAffectedBy(new ProfileChange { WindowsElapsed = true }).Select(a => a.Key));
    }

    [Fact]
    public void The_windows_of_audiences_and_computed_traits_are_known()
    {
        Assert.Equal(
            [("Provider Searched", TimeSpan.FromDays(30)), ("Provider Checked In", TimeSpan.FromDays(90))],
            s_catalog.Windows.OrderByDescending(window => window.Event));
    }

    [Fact]
    public void Unknown_references_and_cycles_are_refused_at_the_referring_node()
    {
        var errors = new ValidationErrors();
        var parsed = ConditionParser.Parse(JsonDocument.Parse("""
            {"or": [{"audience": "vip"}, {"computedTrait": "nope", "operator": "exists"}, {"model": "missing"}]}
            """).RootElement, "$.condition");

        s_catalog.CheckReferences(parsed, ownKey: "gold", errors);

        var paths = errors.ToDictionary();
        Assert.Contains("depend", paths["$.condition.or[0].audience"][0], StringComparison.Ordinal);
        Assert.Contains("nope", paths["$.condition.or[1].computedTrait"][0], StringComparison.Ordinal);
        Assert.Contains("missing", paths["$.condition.or[2].model"][0], StringComparison.Ordinal);
    }

    [Fact]
    public void Dependents_are_found_through_other_audiences()
    {
        Assert.Equal(["gold-searchers", "vip"], s_catalog.DependentsOf("gold").Select(audience => audience.Key));
    }

    private static AudienceDefinition Audience(string key, string condition) =>
        new(Guid.NewGuid(), key, key, ConditionParser.Parse(condition).Condition!);

    private static ComputedTraitDefinition Trait(string json) =>
        ComputedTraitDefinition.Parse(JsonDocument.Parse(json).RootElement.Clone(), "$", new ValidationErrors())!;
}
