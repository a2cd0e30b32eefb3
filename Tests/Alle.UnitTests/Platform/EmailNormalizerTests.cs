using Alle.Platform.Identifiers;

namespace Alle.UnitTests.Platform;

public sealed class EmailNormalizerTests
{
    [Theory]
    [InlineData("  Jane.Doe@Example.COM ", "jane.doe@example.com")]
    [InlineData("\tjane@example.com\n", "jane@example.com")]
    [InlineData("jane+offers@example.co.uk", "jane+offers@example.co.uk")]
    [InlineData("o'brien_j-1@mail-01.example.com", "o'brien_j-1@mail-01.example.com")]
    [InlineData("user@localhost", "user@localhost")]
    [InlineData("José@Exämple.com", "josé@exämple.com")]
    public void Addresses_are_trimmed_and_lower_cased(string raw, string expected) =>
        Assert.Equal(expected, EmailNormalizer.Normalize(raw));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("no-at-sign")]
    [InlineData("two@@example.com")]
    [InlineData("a@b@example.com")]
    [InlineData("@example.com")]
    [InlineData("jane@")]
    [InlineData("jane doe@example.com")]
    [InlineData("Jane <jane@example.com>")]
    [InlineData("\"jane doe\"@example.com")]
    [InlineData("jane,doe@example.com")]
    [InlineData(".jane@example.com")]
    [InlineData("jane.@example.com")]
    [InlineData("jane..doe@example.com")]
    [InlineData("jane@example..com")]
    [InlineData("jane@.example.com")]
    [InlineData("jane@example.com.")]
    [InlineData("jane@-example.com")]
    [InlineData("jane@example-.com")]
    [InlineData("jane@exa_mple.com")]
    [InlineData("jane@[192.0.2.1]")]
    [InlineData("jane\u0000@example.com")]
    public void What_is_not_an_address_is_refused(string? raw) => Assert.Null(EmailNormalizer.Normalize(raw));

    [Fact]
    public void Lengths_are_those_SMTP_carries()
    {
        var longestLocal = new string('a', 64) + "@example.com";
        var label = new string('b', 63);
        var longest = $"{new string('a', 64)}@{label}.{label}.{new string('c', 254 - 64 - 1 - 2 * 64)}";

        Assert.Equal(EmailNormalizer.MaxLength, longest.Length);
        Assert.Equal(longestLocal, EmailNormalizer.Normalize(longestLocal));
        Assert.Equal(longest, EmailNormalizer.Normalize(longest));
        Assert.Null(EmailNormalizer.Normalize("a" + longestLocal));
        Assert.Null(EmailNormalizer.Normalize(longest + "c"));
        Assert.Null(EmailNormalizer.Normalize($"jane@{new string('b', 64)}.com"));
    }
}
