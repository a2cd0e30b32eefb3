using System.Text.Json;
using Alle.Web.Authentication;
using Alle.Web.Formatting;
using Alle.Web.Pages.Account;
using Alle.Web.Privacy;

namespace Alle.UnitTests.Web;

public sealed class PortalTruthTests
{
    [Theory]
    [InlineData("+12125550141", "(212) 555-0141")]
    [InlineData("+15005550006", "(500) 555-0006")]
    [InlineData("+442079460958", "+44 20 7946 0958")]
    public void Phone_numbers_are_written_for_people(string e164, string shown) => Assert.Equal(shown, PhoneDisplay.Format(e164));

    [Fact]
    public void The_common_zones_come_first_and_every_listed_zone_is_found()
    {
        Assert.Equal(TimeZones.CommonGroup, TimeZones.Grouped[0].Key);
        Assert.Equal("America/New_York", TimeZones.Grouped[0].First());
        Assert.True(TimeZones.Grouped.Sum(g => g.Count()) > 300);
        Assert.All(TimeZones.Grouped.SelectMany(g => g), zone => Assert.NotNull(TimeZones.Find(zone)));
        Assert.Null(TimeZones.Find("Mars/Olympus_Mons"));
        Assert.Equal("Eastern (New York)", TimeZones.Display("America/New_York"));
        Assert.Equal("Europe / Paris", TimeZones.Display("Europe/Paris"));
    }

    [Fact]
    public void Times_are_shown_on_the_member_s_clock()
    {
        var zone = TimeZones.Find("America/Los_Angeles")!;
        Assert.Equal("Jan 15, 2027 at 8:00 AM PST", MemberTimeZone.Format(new DateTimeOffset(2027, 1, 15, 16, 0, 0, TimeSpan.Zero), zone));
    }

    [Fact]
    public void A_name_over_the_limit_is_refused_with_the_limit_stated_and_no_maxlength_lets_a_browser_cut_it()
    {
        var input = new MemberDetailsInput { FirstName = new string('a', 101), LastName = "Silva", Birthday = new DateOnly(2015, 1, 1) };

        var problems = input.Check(new DateOnly(2026, 12, 7)).ToList();

        Assert.Contains((nameof(MemberDetailsInput.FirstName), "Your first name can be at most 100 characters long (this one has 101)."), problems);
        Assert.Contains((nameof(MemberDetailsInput.Birthday), "Members must be 18 or older."), problems);
        Assert.Empty(new MemberDetailsInput { FirstName = new string('a', 100), LastName = "Silva" }.Check(new DateOnly(2026, 12, 7)));
        // [StringLength] would render maxlength, which makes the browser cut a longer name silently.
        Assert.DoesNotContain(typeof(MemberDetailsInput).GetProperties().SelectMany(p => p.GetCustomAttributes(true)),
            a => a is System.ComponentModel.DataAnnotations.StringLengthAttribute or System.ComponentModel.DataAnnotations.MaxLengthAttribute);
    }

    [Fact]
    public void An_export_part_reads_as_labelled_values_and_tables()
    {
        var part = JsonSerializer.SerializeToElement(new { memberId = "mbr_1", marketingConsent = false, coupons = new[] { new { code = "AAAA-BBBB-CCCC", value = 25 } } });

        Assert.Contains(("Member id", "mbr_1"), JsonSummary.Scalars(part));
        Assert.Contains(("Marketing consent", "no"), JsonSummary.Scalars(part));
        var (label, table) = Assert.Single(JsonSummary.Nested(part));
        Assert.Equal("Coupons", label);
        Assert.Equal(["code", "value"], JsonSummary.Columns(table));
    }
}
