using System.Text;
using Alle.Platform.Authentication;
using Microsoft.Extensions.Hosting;

namespace Alle.UnitTests.Foundation;

public sealed class AdminKeyTests
{
    [Theory]
    [InlineData("Bearer abc123", "abc123")]
    [InlineData("bearer  abc123 ", "abc123")]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("Digest abc", null)]
    [InlineData("Basic !!!not-base64", null)]
    public void The_key_is_read_from_a_bearer_token(string? header, string? expected) =>
        Assert.Equal(expected, AdminKeyAuthentication.ReadPresentedKey(header));

    [Fact]
    public void The_key_is_read_from_the_basic_user_name_as_segment_sends_tokens()
    {
        var header = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("the-key:"));

        Assert.Equal("the-key", AdminKeyAuthentication.ReadPresentedKey(header));
    }

    [Theory]
    [InlineData("key", "key", true)]
    [InlineData("key", "kex", false)]
    [InlineData("ke", "key", false)]
    [InlineData(null, "key", false)]
    public void Keys_match_only_exactly(string? presented, string expected, bool matches) =>
        Assert.Equal(matches, AdminKeyAuthentication.KeysMatch(presented, expected));
}
