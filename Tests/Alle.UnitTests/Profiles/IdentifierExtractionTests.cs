using System.Text.Json;
using Alle.Contracts;
using Alle.Platform.Identifiers;
using Alle.Profiles.Identity;

namespace Alle.UnitTests.Profiles;

public sealed class IdentifierExtractionTests
{
    private static readonly IdentifierNormalizer s_normalizer = new(new IdentityRules(), new PhoneNumberNormalizer("US"));

    [Theory]
    [InlineData("(555) 555-0100", "US", "+15555550100")]
    [InlineData("+1 555 555 0100", "US", "+15555550100")]
    [InlineData("+44 20 7946 0958", "US", "+442079460958")]
    [InlineData("020 7946 0958", "GB", "+442079460958")]
    [InlineData("not a phone", "US", null)]
    [InlineData("12", "US", null)]
    [InlineData("555-0100", "US", null)]
    public void Phones_are_normalised_to_E164_in_the_default_region(string raw, string region, string? expected) =>
        Assert.Equal(expected, new IdentifierNormalizer(new IdentityRules(), new PhoneNumberNormalizer(region)).Normalize(IdentifierTypes.Phone, raw)?.Value);

    [Theory]
    [InlineData("  Jane.Doe@Example.COM ", "jane.doe@example.com")]
    [InlineData("no-at-sign", null)]
    [InlineData("two@@example.com", null)]
    [InlineData("Jane <jane@example.com>", null)]
    [InlineData("", null)]
    public void Emails_are_trimmed_and_lower_cased(string raw, string? expected) =>
        Assert.Equal(expected, s_normalizer.Normalize(IdentifierTypes.Email, raw)?.Value);

    [Theory]
    [InlineData("null")]
    [InlineData("Anonymous")]
    [InlineData("-1")]
    [InlineData("0")]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    [InlineData("   ")]
    public void Blocked_values_are_never_identifiers(string value) =>
        Assert.Null(s_normalizer.Normalize(IdentifierTypes.UserId, value));

    [Fact]
    public void Blocked_values_are_configurable_per_type()
    {
        var normalizer = new IdentifierNormalizer(new IdentityRules(new IdentityResolutionOptions
        {
            BlockedValuesByType = new() { ["email"] = ["test@example.com"] },
        }), new PhoneNumberNormalizer("US"));

        Assert.Null(normalizer.Normalize("email", "TEST@example.com"));
        Assert.NotNull(normalizer.Normalize("user_id", "test@example.com"));
    }

    [Fact]
    public void An_identify_call_yields_user_anonymous_email_phone_and_external_ids()
    {
        var trackedEvent = Event("identify", userId: "m1", anonymousId: "a1",
            traits: """{"email":" Jane@Example.com","phone":"(555) 555-0100","name":"Jane"}""",
            context: """{"externalIds":[{"id":"C-42","type":"crm_id","collection":"users","encoding":"none"},{"id":"acct-1","type":"account_id","collection":"accounts","encoding":"none"}]}""");

        var identifiers = EventIdentifiers.From(trackedEvent, s_normalizer).Identifiers;

        Assert.Equal(
            [new("user_id", "m1"), new("anonymous_id", "a1"), new("email", "jane@example.com"), new("phone", "+15555550100"), new("crm_id", "C-42")],
            identifiers);
    }

    [Fact]
    public void A_track_call_takes_phones_from_external_ids_and_context_traits_but_not_from_its_properties()
    {
        var trackedEvent = Event("track", anonymousId: "a1",
            properties: """{"phone":"+15555550111"}""",
            context: """{"traits":{"email":"jane@example.com"},"externalIds":[{"id":"+15555550100","type":"phone","collection":"users","encoding":"none"}]}""");

        var identifiers = EventIdentifiers.From(trackedEvent, s_normalizer).Identifiers;

        Assert.Equal([new("anonymous_id", "a1"), new("email", "jane@example.com"), new("phone", "+15555550100")], identifiers);
    }

    [Fact]
    public void An_unparsable_phone_is_not_an_identifier()
    {
        var trackedEvent = Event("identify", userId: "m1", traits: """{"phone":"call me maybe"}""");

        Assert.Equal([new Identifier("user_id", "m1")], EventIdentifiers.From(trackedEvent, s_normalizer).Identifiers);
    }

    [Fact]
    public void An_alias_previous_id_is_a_user_id_when_the_graph_knows_one_and_an_anonymous_id_otherwise()
    {
        var alias = EventIdentifiers.From(Event("alias", userId: "m2", previousId: "m1"), s_normalizer);
        var graph = new IdentityGraph();

        Assert.Contains(new Identifier("anonymous_id", "m1"), alias.For(graph));
        graph.Attach(new Identifier("user_id", "m1"), Guid.NewGuid());
        Assert.Contains(new Identifier("user_id", "m1"), alias.For(graph));
    }

    [Fact]
    public void Typed_identifiers_of_the_profile_api_are_read_and_normalised()
    {
        Assert.Equal(IdentifierParse.Valid, s_normalizer.TryParse("phone:+1 555 555 0100", out var phone));
        Assert.Equal(new Identifier("phone", "+15555550100"), phone);
        Assert.Equal(IdentifierParse.Malformed, s_normalizer.TryParse("user_id", out _));
        Assert.Equal(IdentifierParse.Malformed, s_normalizer.TryParse("phone:abc", out _));
        Assert.Equal(IdentifierParse.Malformed, s_normalizer.TryParse(":m1", out _));
        Assert.Equal(IdentifierParse.NeverAnIdentifier, s_normalizer.TryParse("user_id:null", out _));
    }

    private static TrackedEvent Event(string type, string? userId = null, string? anonymousId = null, string? traits = null,
        string? properties = null, string? context = null, string? previousId = null) =>
        new("portal", Guid.NewGuid().ToString(), type, userId, anonymousId, null, null, null, previousId,
            properties is null ? null : JsonDocument.Parse(properties).RootElement,
            traits is null ? null : JsonDocument.Parse(traits).RootElement,
            context is null ? null : JsonDocument.Parse(context).RootElement,
            null, DateTimeOffset.UtcNow, null, null, DateTimeOffset.UtcNow);
}
