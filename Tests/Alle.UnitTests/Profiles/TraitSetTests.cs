using System.Text.Json;
using Alle.Profiles.Traits;

namespace Alle.UnitTests.Profiles;

public sealed class TraitSetTests
{
    private static readonly DateTimeOffset s_monday = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement;

    [Fact]
    public void An_identify_that_arrives_late_does_not_overwrite_a_newer_value()
    {
        var traits = new TraitSet();
        traits.Apply(Json("""{"tier":"gold"}"""), s_monday.AddHours(2), "portal");

        var changed = traits.Apply(Json("""{"tier":"silver","city":"Austin"}"""), s_monday, "mobile");

        Assert.Equal("gold", traits.Values["tier"].Value.GetString());
        Assert.Equal(["city"], changed.Keys);
    }

    [Fact]
    public void Only_values_that_differ_are_reported_as_changed()
    {
        var traits = new TraitSet();
        traits.Apply(Json("""{"tier":"gold","points":10}"""), s_monday, "portal");

        var changed = traits.Apply(Json("""{"tier":"gold","points":20}"""), s_monday.AddMinutes(1), "portal");

        Assert.Equal(["points"], changed.Keys);
        Assert.Equal(s_monday.AddMinutes(1), traits.Values["tier"].UpdatedAt);
    }

    [Fact]
    public void A_merge_keeps_the_newest_value_of_each_trait_from_either_profile()
    {
        var survivor = new TraitSet();
        survivor.Apply(Json("""{"name":"Jane","tier":"gold"}"""), s_monday, "portal");
        var absorbed = new TraitSet();
        absorbed.Apply(Json("""{"name":"Jane Doe","tier":"silver"}"""), s_monday.AddDays(-1), "mobile");
        absorbed.Apply(Json("""{"name":"Jane Doe"}"""), s_monday.AddDays(1), "mobile");

        var changed = survivor.MergeFrom(absorbed);

        Assert.Equal("Jane Doe", survivor.Values["name"].Value.GetString());
        Assert.Equal("gold", survivor.Values["tier"].Value.GetString());
        Assert.Equal(["name"], changed.Keys);
    }

    [Fact]
    public void Traits_survive_a_round_trip_through_storage()
    {
        var traits = new TraitSet();
        traits.Apply(Json("""{"address":{"city":"Austin"},"points":10}"""), s_monday, "portal");

        var restored = TraitSet.FromJson(traits.ToJson());

        Assert.Equal(10, restored.Values["points"].Value.GetInt32());
        Assert.Equal("Austin", restored.Values["address"].Value.GetProperty("city").GetString());
        Assert.Equal(s_monday, restored.Values["points"].UpdatedAt);
        Assert.Equal("portal", restored.Values["points"].SourceId);
    }
}
