using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.IntegrationTests.Messaging;

/// <summary>A member enrolled for journey tests, as the portal enrols her: through Loyalty, then identified by the portal.</summary>
internal sealed record JourneyMember(string MemberId, string Phone, Guid ProfileId)
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(45);

    /// <summary>
    /// Enrols her through Loyalty and sets her time zone to one where it is daytime now (so quiet hours never hold these
    /// texts), with any other <paramref name="traits"/>; returns once Profiles knows her phone and time zone and Messaging
    /// has recorded her enrolment consent.
    /// </summary>
    public static async Task<JourneyMember> EnrolAsync(DistributedAppFixture app, string firstName, bool marketingConsent = true,
        IReadOnlyDictionary<string, object>? traits = null)
    {
        var phone = MessagingClient.NewPhone();
        using var enrolled = await app.AdminGateway.PostAsJsonAsync("/api/loyalty/members", new
        {
            phone, firstName, lastName = "Rivera", marketingConsent, source = "portal",
            consentWording = "Yes, text me offers. Reply STOP to cancel.",
        });
        Assert.Equal(HttpStatusCode.Created, enrolled.StatusCode);
        var memberId = (await enrolled.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("memberId").GetString()!;
        var allTraits = new Dictionary<string, object>(traits ?? new Dictionary<string, object>()) { ["timezone"] = TestTimeZones.Daytime() };
        using var portal = app.CreateTrackingClient("portal");
        using var identified = await portal.PostAsJsonAsync("/v1/identify", new { userId = memberId, traits = allTraits });
        Assert.Equal(HttpStatusCode.OK, identified.StatusCode);

        var profileId = await Eventually.GetValueAsync(async () =>
        {
            using var lookup = await app.AdminGateway.GetAsync($"/api/profiles/lookup?userId={memberId}");
            if (lookup.StatusCode != HttpStatusCode.OK)
            {
                return null;
            }
            var profile = await lookup.Content.ReadFromJsonAsync<JsonElement>();
            return profile.GetProperty("traits").TryGetProperty("timezone", out _)
                && profile.GetProperty("identifiers").EnumerateArray().Any(i => i.GetProperty("type").GetString() == "phone")
                ? profile.GetProperty("profileId").GetGuid() : (Guid?)null;
        }, s_timeout, "her profile with phone and time zone");
        var messaging = new MessagingClient(app);
        await Eventually.TrueAsync(async () => (await messaging.ConsentAsync(phone)).GetProperty("consents").EnumerateArray()
            .Any(c => c.GetProperty("category").GetString() == "marketing" && c.GetProperty("subscribed").GetBoolean() == marketingConsent),
            s_timeout, "her enrolment consent in messaging");
        return new JourneyMember(memberId, phone, profileId);
    }
}
