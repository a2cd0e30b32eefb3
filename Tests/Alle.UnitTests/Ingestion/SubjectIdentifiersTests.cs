using System.Text.Json;
using Alle.Contracts;
using Alle.Platform.Identifiers;

namespace Alle.UnitTests.Ingestion;

public sealed class SubjectIdentifiersTests
{
    private readonly SubjectIdentifiers _identifiers = new(new PhoneNumberNormalizer("US"));

    private static TrackedEvent Event(string? userId = null, string? anonymousId = null, string? traits = null, string? context = null) => new(
        "portal", "m1", traits is null ? "track" : "identify", userId, anonymousId, "E", null, null, null, null,
        traits is null ? null : JsonSerializer.Deserialize<JsonElement>(traits),
        context is null ? null : JsonSerializer.Deserialize<JsonElement>(context),
        null, DateTimeOffset.UnixEpoch, null, null, DateTimeOffset.UnixEpoch);

    [Theory]
    [InlineData("(555) 555-0100", "+15555550100")]
    [InlineData("555.555.0100", "+15555550100")]
    [InlineData("+44 20 7946 0958", "+442079460958")]
    public void Phones_are_normalised_to_E164_in_the_default_region(string raw, string e164) =>
        Assert.Equal(new Identifier("phone", e164), _identifiers.Normalize(new Identifier("phone", raw)));

    [Fact]
    public void Phones_and_emails_are_read_from_traits_context_traits_and_external_ids()
    {
        var trackedEvent = Event(userId: "u1", anonymousId: "a1", traits: """{"phone":"555-555-0100","email":" Ann@Example.COM "}""",
            context: """{"traits":{"email":"other@example.com"},"externalIds":[{"id":"+1 555 555 0199","type":"phone","collection":"users","encoding":"none"}]}""");

        var found = _identifiers.Of(trackedEvent);

        Assert.Equal(
            [new Identifier("user_id", "u1"), new Identifier("anonymous_id", "a1"), new Identifier("phone", "+15555550100"),
             new Identifier("email", "ann@example.com"), new Identifier("email", "other@example.com"), new Identifier("phone", "+15555550199")],
            found);
    }

    [Fact]
    public void Phones_sent_as_json_numbers_are_read_as_profiles_reads_them()
    {
        var trackedEvent = Event(traits: """{"phone":2015550123}""", context: """{"externalIds":[{"id":5555550199,"type":"phone"}]}""");

        Assert.Equal([new Identifier("phone", "+12015550123"), new Identifier("phone", "+15555550199")], _identifiers.ContactPoints(trackedEvent));
    }

    [Fact]
    public void Unreadable_phones_and_emails_and_empty_values_are_not_identifiers()
    {
        Assert.Null(_identifiers.Normalize(new Identifier("phone", "call me")));
        Assert.Null(_identifiers.Normalize(new Identifier("phone", "555-0100")));
        Assert.Null(_identifiers.Normalize(new Identifier("email", "  ")));
        Assert.Null(_identifiers.Normalize(new Identifier("email", "Jane <jane@example.com>")));
        Assert.Empty(_identifiers.ContactPoints(Event(userId: "u1")));
    }
}
