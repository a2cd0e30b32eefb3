using Alle.Audiences.Conditions;

namespace Alle.UnitTests.Audiences;

public sealed class IsoInstantTests
{
    [Theory]
    [InlineData("2025-03-01", "2025-03-01T00:00:00+00:00")]
    [InlineData("2025-03-01T09:30Z", "2025-03-01T09:30:00+00:00")]
    [InlineData("2025-03-01T09:30:15+02:00", "2025-03-01T07:30:15+00:00")]
    [InlineData("2025-03-01 09:30:15.123456-05:30", "2025-03-01T15:00:15.123456+00:00")]
    public void Dates_and_date_times_with_an_offset_are_read(string text, string expected)
    {
        Assert.True(IsoInstant.TryParse(text, out var instant));
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), instant);
    }

    [Theory]
    [InlineData("2025-02-30")]
    [InlineData("2025-03-01T09:30:00")]
    [InlineData("2025-03-01T24:00:00Z")]
    [InlineData("2025-03-01T23:59:60Z")]
    [InlineData("2025-03-01T09:30:00.1234567Z")]
    [InlineData("01/03/2025")]
    [InlineData("yesterday")]
    [InlineData("0999-01-01")]
    [InlineData("2025-03-01T09:30:00+14:30")]
    public void Anything_else_is_not_a_date(string text) => Assert.False(IsoInstant.TryParse(text, out _));

    [Fact]
    public void A_formatted_instant_reads_back_unchanged()
    {
        var instant = new DateTimeOffset(2025, 3, 1, 9, 30, 15, TimeSpan.Zero).AddTicks(1234560);

        Assert.True(IsoInstant.TryParse(IsoInstant.Format(instant), out var read));
        Assert.Equal(instant, read);
    }
}
