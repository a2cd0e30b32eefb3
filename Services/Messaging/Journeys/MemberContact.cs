using System.Collections.Concurrent;
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
/// What the runner knows of the people in one batch of entries, read together: the user ids Profiles announced for
/// their profiles, their enrolment phones and the consent of those numbers (one round trip each for the whole batch).
/// Profiles' look-ups (traits, phone, time zone) and the consent of a number learned from them are fetched when a step
/// first needs them, once per person and number, from any entry of the batch at the same time.
/// </summary>
internal sealed class ContactBook(ProfilesClient profiles, ConsentStore consent)
{
    private readonly Dictionary<Guid, string> _linkedUserIds = [];
    private readonly Dictionary<string, string> _memberPhones = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task<ConsentState>> _consent = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task<ProfileLookup?>> _profiles = new(StringComparer.Ordinal);

    public async Task LoadAsync(NpgsqlConnection connection, IReadOnlyList<EntryState> entries, CancellationToken cancellationToken)
    {
        var unlinked = entries.Where(entry => entry.UserId is null && entry.ProfileId != Guid.Empty).Select(entry => entry.ProfileId).Distinct().ToArray();
        if (unlinked.Length > 0)
        {
            foreach (var (profileId, userId) in await connection.ListAsync("SELECT profile_id, user_id FROM profile_links WHERE profile_id = ANY($1) AND user_id IS NOT NULL",
                         reader => (reader.GetGuid(0), reader.GetString(1)), cancellationToken, unlinked))
            {
                _linkedUserIds[profileId] = userId;
            }
        }
        var userIds = entries.Select(entry => entry.UserId ?? LinkedUserId(entry.ProfileId)).OfType<string>().Distinct(StringComparer.Ordinal).ToArray();
        if (userIds.Length == 0)
        {
            return;
        }
        foreach (var (memberId, phone) in await connection.ListAsync("SELECT member_id, phone FROM members WHERE member_id = ANY($1) AND phone IS NOT NULL",
                     reader => (reader.GetString(0), reader.GetString(1)), cancellationToken, [userIds]))
        {
            _memberPhones[memberId] = phone;
        }
        foreach (var (phone, state) in await consent.GetStatesAsync(_memberPhones.Values.ToList(), cancellationToken))
        {
            _consent[phone] = Task.FromResult(state);
        }
    }

    public string? LinkedUserId(Guid profileId) => _linkedUserIds.GetValueOrDefault(profileId);

    public string? MemberPhone(string userId) => _memberPhones.GetValueOrDefault(userId);

    public Task<ConsentState> ConsentAsync(string phone, CancellationToken cancellationToken) =>
        _consent.GetOrAdd(phone, number => consent.GetStateAsync(number, cancellationToken));

    /// <summary>Her profile, or null when Profiles has none; throws <see cref="HttpRequestException"/> when Profiles cannot answer.</summary>
    public Task<ProfileLookup?> ProfileAsync(string userId, CancellationToken cancellationToken) =>
        _profiles.GetOrAdd(userId, id => profiles.FindByUserIdAsync(id, cancellationToken));
}

/// <summary>
/// What one runner pass learns about the entry's person, once: her user id (the entry's, or the one Profiles announced
/// for her profile), her profile (traits, phone, time zone) and the consent of her number. A lookup Profiles cannot answer
/// throws <see cref="HttpRequestException"/>, and the step is retried.
/// </summary>
internal sealed class MemberContact(ContactBook book, PhoneNumberNormalizer phones, Guid profileId, string? userId, string programZone)
{
    private bool _looked;
    private ProfileLookup? _profile;

    public string? UserId { get; private set; } = userId;

    public string? Phone { get; private set; }

    public JsonElement? Traits => _profile?.Traits;

    public async Task<ContactCheck> CheckAsync(ContactNeed need, string category, CancellationToken cancellationToken)
    {
        UserId ??= book.LinkedUserId(profileId);
        if (UserId is null)
        {
            return new ContactCheck.Missing("member");
        }
        if (need == ContactNeed.Member)
        {
            return new ContactCheck.Reachable();
        }
        await LookUpAsync(cancellationToken);
        Phone = phones.ToE164(_profile?.Phone) ?? book.MemberPhone(UserId);
        if (Phone is null)
        {
            return new ContactCheck.Missing("phone");
        }
        var state = await book.ConsentAsync(Phone, cancellationToken);
        return Consents(state, category) ? new ContactCheck.Reachable() : new ContactCheck.Missing("consent");
    }

    /// <summary>Texts of the category may go to a number in this state (the dispatcher checks again at send time).</summary>
    public static bool Consents(ConsentState state, string category) =>
        !state.Suppressed && state.Transactional != false && (category != ConsentCategory.Marketing || state.Marketing == true);

    /// <summary>Her time zone (the <c>timezone</c> trait), else the program's.</summary>
    public async Task<TimeZoneInfo> ZoneAsync(CancellationToken cancellationToken)
    {
        UserId ??= book.LinkedUserId(profileId);
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
            _profile = await book.ProfileAsync(UserId, cancellationToken);
            _looked = true;
        }
    }
}
