using Alle.Platform.Identifiers;
using Microsoft.Extensions.Configuration;

namespace Alle.UnitTests.Platform;

public sealed class IdentifierConfigurationTests
{
    public static TheoryData<string> Services => [.. ServiceContainer.Services.Keys];

    [Theory]
    [MemberData(nameof(Services))]
    public void Every_service_reads_phones_in_the_configured_region_and_in_the_US_by_default(string service)
    {
        using var configured = ServiceContainer.Of(service, defaultRegion: "GB");
        using var unconfigured = ServiceContainer.Of(service);

        Assert.Equal("GB", configured.Get<PhoneNumberNormalizer>().DefaultRegion);
        Assert.Equal("US", unconfigured.Get<PhoneNumberNormalizer>().DefaultRegion);
    }

    [Fact]
    public void A_region_phones_cannot_be_read_in_fails_the_start()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [IdentifierNormalization.DefaultRegionKey] = "United States" }).Build();

        Assert.Throws<ArgumentException>(() => IdentifierNormalization.PhoneNumbersOf(configuration));
    }
}
