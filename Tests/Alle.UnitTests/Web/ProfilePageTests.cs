using Alle.Web.Pages.Console.Profiles;

namespace Alle.UnitTests.Web;

public sealed class ProfilePageTests
{
    [Fact]
    public void The_timelines_filters_are_read_into_the_profile_apis_query_with_the_to_day_included()
    {
        var (filter, errors) = TimelineFilter.Read(" Provider Searched ", "track", "2026-12-01", "2026-12-07", "cursor-1");

        Assert.Empty(errors);
        Assert.True(filter.IsFiltered);
        var query = filter.Query;
        Assert.Equal((TimelineFilter.PageSize, "cursor-1", "Provider Searched", "track"), (query.Limit, query.Next, query.Event, query.Type));
        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), query.From);
        Assert.Equal(new DateTimeOffset(2026, 12, 8, 0, 0, 0, TimeSpan.Zero), query.To);
    }

    [Fact]
    public void No_filter_asks_for_the_newest_page()
    {
        var (filter, errors) = TimelineFilter.Read(null, "", " ", null, null);

        Assert.Empty(errors);
        Assert.False(filter.IsFiltered);
        Assert.Equal(new Alle.Web.Services.Profiles.TimelineQuery(TimelineFilter.PageSize), filter.Query);
    }

    [Fact]
    public void What_cannot_be_read_is_named_by_its_field_and_left_out()
    {
        var (filter, errors) = TimelineFilter.Read(new string('x', 201), "purchase", "yesterday", "2026-13-01", null);

        Assert.Equal(["event", "from", "to", "type"], errors.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new TimelineFilter(null, null, null, null, null), filter);
    }

    [Fact]
    public void A_range_that_ends_before_it_starts_is_refused()
    {
        var (filter, errors) = TimelineFilter.Read(null, null, "2026-12-07", "2026-12-01", null);

        Assert.Equal("The last day comes on or after the first.", errors["to"]);
        Assert.Equal(new DateOnly(2026, 12, 7), filter.From);
        Assert.Null(filter.To);
    }
}
