using System.Text.Json;
using Alle.Messaging.Consent;
using Alle.Messaging.Integrations;
using Alle.Messaging.Sending;
using Alle.Platform.Identifiers;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Messaging.Journeys;

/// <summary>What a step needs of the person: to be a known member (coupons, track calls), or to be textable (texts).</summary>
internal enum ContactNeed
{
    Member,
    Sms,
}

/// <summary>Whether the person can be reached for a step now; when not, what is missing (<c>member</c>, <c>phone</c>, <c>consent</c>).</summary>
internal abstract record ContactCheck
{
    public sealed record Reachable : ContactCheck;

    public sealed record Missing(string What) : ContactCheck;
}

/// <summary>
/// What one runner pass learns about the entry's person, once: her user id (the entry's, or the one Profiles announced
/// for her profile), her profile (traits, phone, time zone) and the consent of her number. A lookup Profiles cannot answer
/// throws <see cref="HttpRequestException"/>, and the step is retried.
/// </summary>
internal sealed class MemberContact(NpgsqlConnection connection, ProfilesClient profiles, ConsentStore consent, PhoneNumberNormalizer phones,
    Guid profileId, string? userId, string programZone)
{
    private bool _looked;
    private ProfileLookup? _profile;

    public string? UserId { get; private set; } = userId;

    public string? Phone { get; private set; }

    public JsonElement? Traits => _profile?.Traits;

    public async Task<ContactCheck> CheckAsync(ContactNeed need, string category, CancellationToken cancellationToken)
    {
        UserId ??= await JourneyEntries.UserIdAsync(connection, profileId, cancellationToken);
        if (UserId is null)
        {
            return new ContactCheck.Missing("member");
        }
        if (need == ContactNeed.Member)
        {
            return new ContactCheck.Reachable();
        }
        await LookUpAsync(cancellationToken);
        Phone = phones.ToE164(_profile?.Phone)
            ?? await connection.ScalarAsync<string>("SELECT phone FROM members WHERE member_id = $1", cancellationToken, UserId);
        if (Phone is null)
        {
            return new ContactCheck.Missing("phone");
        }
        var state = await consent.GetStateAsync(Phone, cancellationToken);
        return Consents(state, category) ? new ContactCheck.Reachable() : new ContactCheck.Missing("consent");
    }

    /// <summary>Texts of the category may go to a number in this state (the dispatcher checks again at send time).</summary>
    public static bool Consents(ConsentState state, string category) =>
        !state.Suppressed && state.Transactional != false && (category != ConsentCategory.Marketing || state.Marketing == true);

    /// <summary>Her time zone (the <c>timezone</c> trait), else the program's.</summary>
    public async Task<TimeZoneInfo> ZoneAsync(CancellationToken cancellationToken)
    {
        UserId ??= await JourneyEntries.UserIdAsync(connection, profileId, cancellationToken);
        if (UserId is not null)
        {
            await LookUpAsync(cancellationToken);
        }
        return RecipientTimeZone.Resolve(_profile?.Trait("timezone"), programZone);
    }

    private async Task LookUpAsync(CancellationToken cancellationToken)
    {
        if (!_looked && UserId is not null)
        {
            _profile = await profiles.FindByUserIdAsync(UserId, cancellationToken);
            _looked = true;
        }
    }
}
