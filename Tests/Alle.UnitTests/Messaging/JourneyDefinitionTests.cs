using System.Text.Json;
using Alle.Messaging.Journeys;
using Microsoft.Extensions.Time.Testing;

namespace Alle.UnitTests.Messaging;

public sealed class JourneyDefinitionTests
{
    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    private static LegacyJourney CheckInJourney(params PropertyFilter[] filters) => new("Flash reward",
        new JourneyTrigger(JourneyTrigger.TrackEvent, Event: "Provider Checked In", Filters: filters),
        "Hi {{ traits.first_name }}! {{ coupon.code }}", Coupon: new CouponStep(OfferIdProperty: "flashOfferId"));

    [Fact]
    public void An_event_trigger_matches_by_name_and_every_filter()
    {
        var journey = CheckInJourney(new PropertyFilter("flashOfferId", "exists"), new PropertyFilter("visits", "greater_than", Json("2")));

        Assert.True(journey.ToDefinition().MatchesEvent("Provider Checked In", Json("""{"flashOfferId":"o-1","visits":3}""")));
        Assert.False(journey.ToDefinition().MatchesEvent("Provider Checked In", Json("""{"flashOfferId":"o-1","visits":2}""")));
        Assert.False(journey.ToDefinition().MatchesEvent("Provider Checked In", Json("""{"visits":5}""")));
        Assert.False(journey.ToDefinition().MatchesEvent("Provider Checked In", Json("""{"flashOfferId":null,"visits":5}""")));
        Assert.False(journey.ToDefinition().MatchesEvent("provider checked in", Json("""{"flashOfferId":"o-1","visits":3}""")));
        Assert.False(journey.ToDefinition().MatchesEvent("Provider Searched", Json("""{"flashOfferId":"o-1","visits":3}""")));
        Assert.False(journey.ToDefinition().MatchesEvent("Provider Checked In", null));
    }

    [Theory]
    [InlineData("providerId", "equals", "\"p-1\"", """{"providerId":"p-1"}""", true)]
    [InlineData("providerId", "equals", "\"p-1\"", """{"providerId":"p-2"}""", false)]
    [InlineData("amount", "equals", "10", """{"amount":"10.0"}""", true)]
    [InlineData("vip", "equals", "true", """{"vip":true}""", true)]
    [InlineData("providerId", "not_equals", "\"p-1\"", """{"providerId":"p-2"}""", true)]
    [InlineData("providerId", "not_equals", "\"p-1\"", """{}""", true)]
    [InlineData("providerId", "not_equals", "\"p-1\"", """{"providerId":"p-1"}""", false)]
    [InlineData("amount", "less_than", "100", """{"amount":99.5}""", true)]
    [InlineData("amount", "less_than", "100", """{"amount":"abc"}""", false)]
    [InlineData("amount", "unknown_operator", "1", """{"amount":1}""", false)]
    public void Property_filters_compare_strings_numbers_and_booleans(string property, string op, string value, string properties, bool matches)
    {
        Assert.Equal(matches, new PropertyFilter(property, op, Json(value)).Matches(Json(properties)));
    }

    [Fact]
    public void Entry_policies_allow_once_ever_or_once_per_n_days()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var firstEntry = clock.GetUtcNow();
        var once = EntryPolicy.Default;
        var monthly = new EntryPolicy(EntryPolicy.OncePerDays, 30);

        Assert.True(once.Allows(null, clock.GetUtcNow()));
        Assert.True(monthly.Allows(null, clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromDays(29));
        Assert.False(once.Allows(firstEntry, clock.GetUtcNow()));
        Assert.False(monthly.Allows(firstEntry, clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromDays(1));
        Assert.False(once.Allows(firstEntry, clock.GetUtcNow()));
        Assert.True(monthly.Allows(firstEntry, clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromDays(3650));
        Assert.False(once.Allows(firstEntry, clock.GetUtcNow()));
    }

    private static JourneyStep Coupon(string? OfferId = null, string? OfferIdProperty = null) =>
        new("coupon", JourneyStep.IssueCoupon, OfferId: OfferId, OfferIdProperty: OfferIdProperty);

    [Fact]
    public void The_coupon_offer_is_fixed_or_taken_from_the_trigger_event()
    {
        Assert.Equal("o-9", Coupon(OfferId: "o-9").ResolveOfferId(Json("""{"flashOfferId":"o-1"}""")));
        Assert.Equal("o-1", Coupon(OfferIdProperty: "flashOfferId").ResolveOfferId(Json("""{"flashOfferId":"o-1"}""")));
        Assert.Equal("42", Coupon(OfferIdProperty: "flashOfferId").ResolveOfferId(Json("""{"flashOfferId":42}""")));
        Assert.Null(Coupon(OfferIdProperty: "flashOfferId").ResolveOfferId(Json("""{"providerId":"p"}""")));
        Assert.Null(Coupon(OfferIdProperty: "flashOfferId").ResolveOfferId(null));
    }

    [Fact]
    public void The_template_renders_profile_traits_the_coupon_and_trigger_properties()
    {
        var body = JourneyTemplate.Render(
            "Hi {{ traits.first_name | default: 'there' }}, {{ event.providerName }} has ${{ coupon.value }} off for you: {{ coupon.code }} (until {{ coupon.expires_at }}).",
            Json("""{"first_name":"Maya","timezone":"America/Chicago"}"""),
            new Dictionary<string, object?> { ["code"] = "FLASH-7K2P", ["value"] = 25m, ["expires_at"] = "2026-06-30" },
            Json("""{"providerName":"Glow Clinic"}"""), "member-1");

        Assert.Equal("Hi Maya, Glow Clinic has $25 off for you: FLASH-7K2P (until 2026-06-30).", body);
        Assert.Equal("Hi there!", JourneyTemplate.Render("Hi {{ traits.first_name | default: 'there' }}!", Json("{}"), null, null, null));
    }

    [Fact]
    public void Invalid_definitions_are_refused_with_the_field_at_fault()
    {
        var errors = new LegacyJourney("", new JourneyTrigger("sometimes"), "{% if %}", DelaySeconds: -1,
            Coupon: new CouponStep("o-1", "flashOfferId"), EntryPolicy: new EntryPolicy(EntryPolicy.OncePerDays), Category: "promo").Validate();

        Assert.Equal(["category", "coupon", "delaySeconds", "entryPolicy", "name", "template", "trigger.type"], errors.Keys.Order());
        Assert.Contains("trigger.audienceKey", new LegacyJourney("x", new JourneyTrigger(JourneyTrigger.Audience), "hi").Validate().Keys);
        Assert.Contains("trigger.filters", CheckInJourney(new PropertyFilter("p", "equals")).Validate().Keys);
        Assert.Empty(CheckInJourney(new PropertyFilter("flashOfferId", "exists")).Validate());
    }
}
