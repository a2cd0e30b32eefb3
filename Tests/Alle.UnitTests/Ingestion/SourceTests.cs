using Alle.Ingestion.Sources;

namespace Alle.UnitTests.Ingestion;

public sealed class SourceTests
{
    [Theory]
    [InlineData("Mobile App (iOS)", "mobile-app-ios")]
    [InlineData("  Provider Portal  ", "provider-portal")]
    public void A_slug_is_derived_from_the_name(string name, string slug)
    {
        Assert.Equal(slug, SourceSlug.FromName(name));
        Assert.True(SourceSlug.IsValid(slug));
    }

    [Theory]
    [InlineData("a")]
    [InlineData("1abc")]
    [InlineData("Portal")]
    [InlineData("por tal")]
    public void Invalid_slugs_are_refused(string slug) => Assert.False(SourceSlug.IsValid(slug));

    [Fact]
    public void Write_keys_are_random_and_only_their_hash_and_a_hint_are_kept()
    {
        var key = WriteKey.Generate();

        Assert.Equal(32, key.Length);
        Assert.NotEqual(key, WriteKey.Generate());
        Assert.Equal(32, WriteKey.Hash(key).Length);
        Assert.Equal(WriteKey.Hash(key), WriteKey.Hash(key));
        Assert.Equal($"…{key[^4..]}", WriteKey.Hint(key));
    }
}
