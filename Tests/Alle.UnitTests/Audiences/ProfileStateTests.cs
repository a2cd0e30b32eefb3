using System.Text.Json;
using Alle.Audiences.Profiles;

namespace Alle.UnitTests.Audiences;

public sealed class ProfileStateTests
{
    private static readonly DateTimeOffset s_noon = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Newer_values_win_older_ones_arriving_late_are_ignored_and_null_removes()
    {
        var profile = new ProfileState(Guid.NewGuid(), null, [], []);

        Assert.Equal(["plan", "city"], profile.ApplyTraits(Traits("""{"plan": "gold", "city": "Austin"}"""), s_noon));
        Assert.Empty(profile.ApplyTraits(Traits("""{"plan": "silver"}"""), s_noon.AddMinutes(-1)));
        Assert.Empty(profile.ApplyTraits(Traits("""{"plan": "gold"}"""), s_noon.AddMinutes(1)));
        Assert.Equal(["city"], profile.ApplyTraits(Traits("""{"city": null}"""), s_noon.AddMinutes(2)));

        Assert.Equal("gold", profile.Traits["plan"].GetString());
        Assert.False(profile.Traits.ContainsKey("city"));
    }

    [Fact]
    public void A_merged_profile_brings_its_newer_traits_and_its_user_id_when_the_survivor_has_none()
    {
        var survivor = new ProfileState(Guid.NewGuid(), null, [], []);
        survivor.ApplyTraits(Traits("""{"plan": "gold", "city": "Austin"}"""), s_noon);
        var merged = new ProfileState(Guid.NewGuid(), "member-7", [], []);
        merged.ApplyTraits(Traits("""{"plan": "silver"}"""), s_noon.AddHours(-1));
        merged.ApplyTraits(Traits("""{"city": "Dallas", "phone": "+15555550100"}"""), s_noon.AddHours(1));

        var changed = survivor.Absorb(merged);

        Assert.Equal(["city", "phone"], changed.Order());
        Assert.Equal("gold", survivor.Traits["plan"].GetString());
        Assert.Equal("Dallas", survivor.Traits["city"].GetString());
        Assert.Equal("member-7", survivor.UserId);
    }

    private static Dictionary<string, JsonElement> Traits(string json) => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;
}
