using System.Text.Json;
using Alle.Audiences.Conditions;
using Alle.Audiences.ReverseEtl;
using Alle.Contracts;
using Alle.Platform.Identifiers;
using Alle.Profiles.Identity;
using Alle.Profiles.Privacy;
using Alle.Web.Pages.Account;

namespace Alle.UnitTests.Platform;

/// <summary>
/// Suppression and deletion work only if every service reads a phone number or an e-mail as the same identifier: many
/// typed forms of the same numbers go through each service's entry point, built from the service's own registrations
/// and configuration, and all must yield the same E.164 (or all refuse).
/// </summary>
public sealed class IdentifierAgreementTests
{
    private delegate string? Reader(ServiceContainer service, string typed);

    private sealed record EntryPoint(string Name, string Service, Reader Read);

    private sealed record KnownNumber(string E164, string Region, string CountryCode, string TrunkPrefix, string[] Groups);

    private static readonly EntryPoint[] s_phoneEntryPoints =
    [
        new("Profiles: identify call", "profiles", (service, typed) =>
            EventIdentifiers.From(Identify(new { phone = typed }), service.Get<IdentifierNormalizer>()).Identifiers.SingleOrDefault(i => i.Type == "phone")?.Value),
        new("Profiles: Profile API phone:<value>", "profiles", (service, typed) =>
            service.Get<IdentifierNormalizer>().TryParse($"phone:{typed}", out var identifier) == IdentifierParse.Valid ? identifier!.Value : null),
        new("Profiles: regulation by PHONE", "profiles", (service, typed) =>
            new RegulationRequest(RegulationTypes.SuppressWithDelete, "PHONE", [typed]).Validate(service.Get<IdentifierNormalizer>()).Subjects.SingleOrDefault()?.Value),
        new("Ingestion: suppression subjects", "ingestion", (service, typed) =>
            service.Get<SubjectIdentifiers>().Of(Track(new { traits = new { phone = typed } })).SingleOrDefault(i => i.Type == "phone")?.Value),
        new("Audiences: reverse ETL rows by phone", "audiences", (service, typed) =>
            ModelResult.Read([JsonSerializer.SerializeToElement(new { phone = typed })],
                new ModelMapping("phone", IdentifierType.Phone, new Dictionary<string, string>()), service.Get<PhoneNumberNormalizer>()).Rows.Keys.SingleOrDefault()),
        new("Loyalty: enrolment, desk pre-registration and look-up", "loyalty", (service, typed) => service.Get<PhoneNumberNormalizer>().ToE164(typed)),
        new("Messaging: consent look-up, sends, one-time codes", "messaging", (service, typed) => service.Get<PhoneNumberNormalizer>().ToE164(typed)),
        new("Web: portal sign-in", "web", (service, typed) => service.Get<PhoneNumberNormalizer>().ToE164(typed)),
    ];

    private static readonly KnownNumber[] s_numbers =
    [
        new("+12015550123", "US", "1", "1", ["201", "555", "0123"]),
        new("+15555550100", "US", "1", "1", ["555", "555", "0100"]),
        new("+12125550199", "US", "1", "1", ["212", "555", "0199"]),
        new("+442079460958", "GB", "44", "0", ["20", "7946", "0958"]),
        new("+447700900123", "GB", "44", "0", ["7700", "900123"]),
        new("+33123456789", "FR", "33", "0", ["1", "23", "45", "67", "89"]),
        new("+61298765432", "AU", "61", "0", ["2", "9876", "5432"]),
        new("+919876543210", "IN", "91", "0", ["98765", "43210"]),
        new("+525512345678", "MX", "52", "", ["55", "1234", "5678"]),
    ];

    private static readonly string[] s_notPhoneNumbers =
    [
        "", "   ", "call me", "n/a", "12", "+1 201 555 012", "+1 201 555 01234", "+1 201 555 0123 4567 8901", "+1 555-0100", "+999 1234 5678",
        "+12015550123".PadRight(PhoneNumberNormalizer.MaxInputLength + 1, ' ') + "x",
    ];

    /// <summary>Not numbers in the US (a local number without its area code, nine digits), though they may be elsewhere.</summary>
    private static readonly string[] s_notUsPhoneNumbers = ["555-0100", "555 0100", "201-555-012", "201-555-01234"];

    public static TheoryData<string> Regions => ["US", "GB", "FR", "MX"];

    [Theory]
    [MemberData(nameof(Regions))]
    public void Every_service_reads_every_typed_form_of_a_number_as_the_same_E164(string defaultRegion)
    {
        using var services = new ServiceContainers(defaultRegion);
        var disagreements = new List<string>();
        var forms = 0;
        foreach (var number in s_numbers)
        {
            foreach (var typed in TypedForms(number, defaultRegion))
            {
                forms++;
                disagreements.AddRange(s_phoneEntryPoints
                    .Select(entry => (entry.Name, Read: entry.Read(services[entry.Service], typed)))
                    .Where(result => result.Read != number.E164)
                    .Select(result => $"{result.Name} read \"{typed}\" as {result.Read ?? "nothing"}, not {number.E164}"));
            }
        }

        Assert.True(forms > 200, $"only {forms} forms were tried");
        Assert.Empty(disagreements);
    }

    [Theory]
    [MemberData(nameof(Regions))]
    public void Every_service_refuses_what_is_not_a_phone_number(string defaultRegion)
    {
        using var services = new ServiceContainers(defaultRegion);

        var accepted = s_notPhoneNumbers.Concat(defaultRegion == "US" ? s_notUsPhoneNumbers : [])
            .SelectMany(typed => s_phoneEntryPoints.Select(entry => (entry.Name, Typed: typed, Read: entry.Read(services[entry.Service], typed))))
            .Where(result => result.Read is not null)
            .Select(result => $"{result.Name} read \"{result.Typed}\" as {result.Read}");

        Assert.Empty(accepted);
    }

    [Theory]
    [MemberData(nameof(Regions))]
    public void Every_service_reads_numbers_written_for_another_region_alike(string defaultRegion)
    {
        using var services = new ServiceContainers(defaultRegion);
        var elsewhere = s_numbers.Where(number => number.Region != defaultRegion)
            .SelectMany(number => TypedForms(number, number.Region))
            .Concat(s_notUsPhoneNumbers);

        var disagreements = elsewhere
            .Select(typed => (Typed: typed, Reads: s_phoneEntryPoints.Select(entry => entry.Read(services[entry.Service], typed)).Distinct().ToList()))
            .Where(result => result.Reads.Count > 1)
            .Select(result => $"\"{result.Typed}\" was read as {string.Join(", ", result.Reads.Select(read => read ?? "nothing"))}");

        Assert.Empty(disagreements);
    }

    [Fact]
    public void Every_service_reads_an_e_mail_address_the_same_way()
    {
        using var services = new ServiceContainers("US");
        var readers = new (string Name, Func<string, string?> Read)[]
        {
            ("Profiles: identify call", typed => EventIdentifiers.From(Identify(new { email = typed }), services["profiles"].Get<IdentifierNormalizer>())
                .Identifiers.SingleOrDefault(i => i.Type == "email")?.Value),
            ("Profiles: regulation by EMAIL", typed => new RegulationRequest(RegulationTypes.DeleteOnly, "EMAIL", [typed])
                .Validate(services["profiles"].Get<IdentifierNormalizer>()).Subjects.SingleOrDefault()?.Value),
            ("Ingestion: suppression subjects", typed => services["ingestion"].Get<SubjectIdentifiers>().Of(Track(new { traits = new { email = typed } }))
                .SingleOrDefault(i => i.Type == "email")?.Value),
            ("Audiences: reverse ETL rows by e-mail", typed => ModelResult.Read([JsonSerializer.SerializeToElement(new { email = typed })],
                new ModelMapping("email", IdentifierType.Email, new Dictionary<string, string>()), services["audiences"].Get<PhoneNumberNormalizer>()).Rows.Keys.SingleOrDefault()),
            // The portal only validates (Loyalty stores what EmailNormalizer makes of it): agreeing means accepting exactly what the others read.
            ("Web: member details", typed => new PlatformEmailAttribute().IsValid(typed) ? EmailNormalizer.Normalize(typed) : null),
        };
        string[] typedForms = ["jane.doe@example.com", "Jane.Doe@Example.COM", "  JANE.DOE@EXAMPLE.COM ", "\tjane.doe@example.com\r\n"];
        string[] notAddresses = ["jane", "jane@", "@example.com", "Jane Doe <jane.doe@example.com>", "jane doe@example.com", "jane..doe@example.com", "jane@example..com"];

        var disagreements = typedForms.SelectMany(typed => readers.Select(reader => (reader.Name, Typed: typed, Expected: (string?)"jane.doe@example.com", Read: reader.Read(typed))))
            .Concat(notAddresses.SelectMany(typed => readers.Select(reader => (reader.Name, Typed: typed, Expected: (string?)null, Read: reader.Read(typed)))))
            .Where(result => result.Read != result.Expected)
            .Select(result => $"{result.Name} read \"{result.Typed}\" as {result.Read ?? "nothing"}");

        Assert.Empty(disagreements);
    }

    /// <summary>
    /// How people and systems write <paramref name="number"/> when the program's default region is
    /// <paramref name="defaultRegion"/>: international forms always (with or without separators and parentheses, with
    /// "+", with the region's international call prefix, with the British "(0)"); national forms (with and without the
    /// trunk prefix where it is optional, as NANP's leading 1) only in the number's own region; each also padded with spaces.
    /// </summary>
    private static IEnumerable<string> TypedForms(KnownNumber number, string defaultRegion)
    {
        string[] separators = ["", " ", "-", ".", " - "];
        var forms = new List<string>();
        foreach (var separator in separators)
        {
            var groups = string.Join(separator, number.Groups);
            var bracketed = $"({number.Groups[0]}){(separator.Length == 0 ? "" : " ")}{string.Join(separator, number.Groups[1..])}";
            var internationalCallPrefix = defaultRegion == "US" ? "011" : "00";
            if (number.TrunkPrefix == "0")
            {
                forms.Add($"+{number.CountryCode} (0){groups}");
            }
            foreach (var national in new[] { groups, bracketed })
            {
                forms.Add($"+{number.CountryCode}{separator}{national}");
                forms.Add($"+{number.CountryCode} {national}");
                forms.Add($"{internationalCallPrefix} {number.CountryCode} {national}");
                if (number.Region == defaultRegion)
                {
                    forms.Add($"{number.TrunkPrefix}{national}");
                    // The trunk prefix is optional only in NANP (a leading 1) and where there is none.
                    if (number.CountryCode == "1")
                    {
                        forms.Add($"1{separator}{national}");
                        forms.Add(national);
                    }
                }
            }
        }
        return forms.SelectMany(form => new[] { form, $"  {form} " }).Distinct();
    }

    private static TrackedEvent Identify(object traits) => new("portal", Guid.NewGuid().ToString(), "identify", "u1", null, null, null, null, null, null,
        JsonSerializer.SerializeToElement(traits), null, null, DateTimeOffset.UnixEpoch, null, null, DateTimeOffset.UnixEpoch);

    private static TrackedEvent Track(object context) => new("portal", Guid.NewGuid().ToString(), "track", null, "a1", "Provider Searched", null, null, null, null,
        null, JsonSerializer.SerializeToElement(context), null, DateTimeOffset.UnixEpoch, null, null, DateTimeOffset.UnixEpoch);
}
