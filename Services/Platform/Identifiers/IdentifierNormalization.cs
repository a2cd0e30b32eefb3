using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Alle.Platform.Identifiers;

/// <summary>
/// Registers the platform's <see cref="PhoneNumberNormalizer"/> with the region from configuration
/// (<c>Identifiers:DefaultRegion</c>, environment variable <c>Identifiers__DefaultRegion</c>, default <c>US</c>). Every
/// service reads the same key, so they all agree on what a phone number is; an unknown region fails the start. With it
/// comes <see cref="SubjectIdentifiers"/>, which reads the person an event is about the same way everywhere.
/// </summary>
public static class IdentifierNormalization
{
    public const string DefaultRegionKey = "Identifiers:DefaultRegion";
    public const string DefaultRegion = "US";

    public static TBuilder AddIdentifierNormalization<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        builder.Services.AddSingleton(PhoneNumbersOf(builder.Configuration));
        builder.Services.AddSingleton<SubjectIdentifiers>();
        return builder;
    }

    public static PhoneNumberNormalizer PhoneNumbersOf(IConfiguration configuration) =>
        new(configuration[DefaultRegionKey] is { Length: > 0 } region ? region : DefaultRegion);
}
