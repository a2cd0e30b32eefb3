using Alle.Loyalty.Members;
using Alle.Loyalty.Providers;

namespace Alle.UnitTests.Loyalty;

public sealed class GeoDistanceTests
{
    private static readonly GeoPoint s_manhattan = new(40.7506, -73.9972);
    private static readonly GeoPoint s_beverlyHills = new(34.0901, -118.4065);

    [Fact]
    public void Distances_match_known_great_circle_distances()
    {
        Assert.InRange(GeoDistance.Miles(s_manhattan, s_beverlyHills), 2440, 2460);
        Assert.Equal(0, GeoDistance.Miles(s_manhattan, s_manhattan), 6);
        // Manhattan (10001) to Brooklyn Heights (11201): about four miles.
        Assert.InRange(GeoDistance.Miles(s_manhattan, new GeoPoint(40.6940, -73.9903)), 3.5, 4.5);
    }

    [Fact]
    public void The_bounding_box_contains_every_point_within_the_radius()
    {
        var (min, max) = GeoDistance.BoundingBox(s_manhattan, 25);
        for (var bearing = 0; bearing < 360; bearing += 15)
        {
            // A point 24.9 miles away in each direction.
            var radians = bearing * Math.PI / 180;
            var point = new GeoPoint(s_manhattan.Latitude + 24.9 / 69.0 * Math.Cos(radians),
                s_manhattan.Longitude + 24.9 / (69.0 * Math.Cos(s_manhattan.Latitude * Math.PI / 180)) * Math.Sin(radians));
            Assert.True(GeoDistance.Miles(s_manhattan, point) <= 25.2);
            Assert.InRange(point.Latitude, min.Latitude, max.Latitude);
            Assert.InRange(point.Longitude, min.Longitude, max.Longitude);
        }
    }
}

public sealed class MemberIdTests
{
    [Fact]
    public void Member_ids_are_random_prefixed_and_recognisable()
    {
        var ids = Enumerable.Range(0, 1000).Select(_ => MemberId.New()).ToList();
        Assert.All(ids, id => Assert.True(MemberId.IsWellFormed(id), id));
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.False(MemberId.IsWellFormed("mbr_1"));
    }
}

public sealed class ProviderNamePatternTests
{
    [Theory]
    [InlineData("Glow", "%Glow%")]
    [InlineData("100%", @"%100\%%")]
    [InlineData("a_b", @"%a\_b%")]
    [InlineData(@"back\slash", @"%back\\slash%")]
    public void A_name_is_looked_for_literally_anywhere_in_the_providers_name(string name, string pattern) =>
        Assert.Equal(pattern, ProviderDirectory.NamePattern(name));

    [Fact]
    public void No_name_is_no_condition() => Assert.Null(ProviderDirectory.NamePattern(null));
}
