using Alle.Platform.Identifiers;

namespace Alle.UnitTests.Platform;

public sealed class PhoneNumberNormalizerTests
{
    private static readonly PhoneNumberNormalizer s_us = new("US");

    [Theory]
    [InlineData("+1 (201) 555-0123")]
    [InlineData("201-555-0123")]
    [InlineData("(201) 555 0123")]
    [InlineData("201.555.0123")]
    [InlineData("2015550123")]
    [InlineData("1 201 555 0123")]
    [InlineData("+12015550123")]
    [InlineData("  +1-201-555-0123  ")]
    [InlineData("+1 201 555 0123 ext. 42")]
    public void Common_ways_of_writing_a_number_meet_on_one_E164_form(string typed) =>
        Assert.Equal("+12015550123", s_us.ToE164(typed));

    [Theory]
    [InlineData("(555) 555-0100", "+15555550100")]
    [InlineData("+15005550006", "+15005550006")]
    [InlineData("1-800-FLOWERS", "+18003569377")]
    [InlineData("+44 20 7946 0958", "+442079460958")]
    [InlineData("011 44 20 7946 0958", "+442079460958")]
    [InlineData("+44 (0)20 7946 0958", "+442079460958")]
    [InlineData("+33 1 23 45 67 89", "+33123456789")]
    public void Possible_numbers_pass_even_when_not_assigned(string typed, string e164) =>
        Assert.Equal(e164, s_us.ToE164(typed));

    [Theory]
    [InlineData("020 7946 0958", "GB", "+442079460958")]
    [InlineData("07700 900123", "GB", "+447700900123")]
    [InlineData("+1 201 555 0123", "GB", "+12015550123")]
    [InlineData("01 23 45 67 89", "FR", "+33123456789")]
    [InlineData("(55) 1234 5678", "MX", "+525512345678")]
    public void Numbers_without_a_country_code_are_read_in_the_default_region(string typed, string region, string e164) =>
        Assert.Equal(e164, new PhoneNumberNormalizer(region).ToE164(typed));

    [Theory]
    [InlineData(null, PhoneNumberRefusal.Missing)]
    [InlineData("", PhoneNumberRefusal.Missing)]
    [InlineData("   ", PhoneNumberRefusal.Missing)]
    [InlineData("not a phone", PhoneNumberRefusal.NotANumber)]
    [InlineData("order-869e46e15f", PhoneNumberRefusal.NotANumber)]
    [InlineData("+999 1234 5678", PhoneNumberRefusal.UnknownCountryCode)]
    [InlineData("12", PhoneNumberRefusal.TooShort)]
    [InlineData("+1 201 555 01234", PhoneNumberRefusal.TooLong)]
    [InlineData("+1 201 555 0123 4567 8901", PhoneNumberRefusal.TooLong)]
    [InlineData("555-0100", PhoneNumberRefusal.ImpossibleLength)]
    public void What_cannot_be_a_phone_number_is_refused_with_the_reason(string? typed, PhoneNumberRefusal refusal)
    {
        var reading = s_us.Read(typed);

        Assert.False(reading.IsNumber);
        Assert.Null(reading.E164);
        Assert.Equal(refusal, reading.Refusal);
    }

    [Fact]
    public void Raw_input_longer_than_the_limit_is_refused_before_it_is_read()
    {
        var padded = "+12015550123".PadRight(PhoneNumberNormalizer.MaxInputLength + 1);
        var longest = "+12015550123".PadRight(PhoneNumberNormalizer.MaxInputLength);

        Assert.Equal(PhoneNumberRefusal.InputTooLong, s_us.Read(padded).Refusal);
        Assert.Equal("+12015550123", s_us.ToE164(longest));
    }

    [Fact]
    public void A_reading_names_the_number_or_the_reason_but_never_shows_the_number()
    {
        var read = s_us.Read("201-555-0123");

        Assert.True(read.IsNumber);
        Assert.Equal("+12015550123", read.E164);
        Assert.Null(read.Refusal);
        Assert.DoesNotContain("0123", read.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("us", "US")]
    [InlineData(" gb ", "GB")]
    public void The_default_region_is_an_upper_case_region_code(string configured, string region) =>
        Assert.Equal(region, new PhoneNumberNormalizer(configured).DefaultRegion);

    [Theory]
    [InlineData("")]
    [InlineData("USA")]
    [InlineData("ZZ")]
    [InlineData("001")]
    public void A_region_numbers_cannot_be_read_in_is_refused(string region) =>
        Assert.Throws<ArgumentException>(() => new PhoneNumberNormalizer(region));

    [Fact]
    public void Only_the_last_four_digits_of_a_phone_are_shown()
    {
        Assert.Equal("••••••••0100", PhoneNumberMask.Of("+15555550100"));
        Assert.Equal("••••", PhoneNumberMask.Of("+15"));
    }
}
