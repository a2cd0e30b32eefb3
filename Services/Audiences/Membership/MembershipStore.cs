using Alle.Audiences.Apis;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Audiences.Membership;

/// <summary>Who is in an audience, what changed when, and one profile's audiences and computed traits.</summary>
internal sealed class MembershipStore(NpgsqlDataSource dataSource)
{
    /// <summary>Members in profile id order after <paramref name="after"/>: one more than <paramref name="limit"/> when more follow.</summary>
    public async Task<List<Member>> MembersAsync(Guid audienceId, Guid after, int limit, CancellationToken cancellationToken) =>
        await dataSource.ListAsync("""
            SELECT m.profile_id, p.user_id, m.entered_at, r.masked_phone, COALESCE(r.marketing, false)
            FROM memberships m JOIN profiles p ON p.profile_id = m.profile_id LEFT JOIN member_reachability r ON r.user_id = p.user_id
            WHERE m.audience_id = $1 AND m.profile_id > $2 ORDER BY m.profile_id LIMIT $3
            """, reader => new Member(reader.GetGuid(0), reader.NullableString(1), reader.Instant(2), reader.NullableString(3), reader.GetBoolean(4)),
            cancellationToken, audienceId, after, limit + 1);

    /// <summary>How many of an audience's profiles are known members, and how many of those may be texted marketing now.</summary>
    public async Task<(long Known, long Sms)> ReachAsync(Guid audienceId, CancellationToken cancellationToken) =>
        (await dataSource.ListAsync("""
            SELECT count(p.user_id), count(*) FILTER (WHERE r.marketing)
            FROM memberships m JOIN profiles p ON p.profile_id = m.profile_id LEFT JOIN member_reachability r ON r.user_id = p.user_id
            WHERE m.audience_id = $1
            """, reader => (Known: reader.GetInt64(0), Sms: reader.GetInt64(1)), cancellationToken, audienceId))[0];

    public Task<HistoryPage> AudienceHistoryAsync(Guid audienceId, int limit, long? before, CancellationToken cancellationToken) =>
        HistoryAsync("h.audience_id = $1", audienceId, limit, before, cancellationToken);

    public Task<HistoryPage> ProfileHistoryAsync(Guid profileId, int limit, long? before, CancellationToken cancellationToken) =>
        HistoryAsync("h.profile_id = $1", profileId, limit, before, cancellationToken);

    /// <summary>Entries and exits per day (UTC) over the audience's whole history, in day order.</summary>
    public async Task<List<(DateOnly Day, long Entered, long Exited)>> ChangesPerDayAsync(Guid audienceId, CancellationToken cancellationToken) =>
        await dataSource.ListAsync("""
            SELECT (h.at AT TIME ZONE 'UTC')::date AS day, count(*) FILTER (WHERE h.entered), count(*) FILTER (WHERE NOT h.entered)
            FROM membership_history h WHERE h.audience_id = $1 GROUP BY 1 ORDER BY 1
            """, reader => (Day: DateOnly.FromDateTime(reader.GetDateTime(0)), Entered: reader.GetInt64(1), Exited: reader.GetInt64(2)),
            cancellationToken, audienceId);

    public async Task<List<ProfileMembership>> AudiencesOfAsync(Guid profileId, CancellationToken cancellationToken) =>
        await dataSource.ListAsync("""
            SELECT a.id, a.key, a.name, m.entered_at FROM memberships m JOIN audiences a ON a.id = m.audience_id
            WHERE m.profile_id = $1 ORDER BY a.key
            """, reader => new ProfileMembership(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.Instant(3)),
            cancellationToken, profileId);

    /// <summary>The profile's non-null computed trait values by trait key.</summary>
    public async Task<Dictionary<string, System.Text.Json.JsonElement>> ComputedTraitsOfAsync(Guid profileId, CancellationToken cancellationToken) =>
        (await dataSource.ListAsync("""
            SELECT t.key, c.value::text FROM computed_values c JOIN computed_traits t ON t.id = c.trait_id
            WHERE c.profile_id = $1 AND jsonb_typeof(c.value) <> 'null' ORDER BY t.key
            """, reader => (Key: reader.GetString(0), Value: reader.Json(1)), cancellationToken, profileId))
            .ToDictionary(item => item.Key, item => item.Value, StringComparer.Ordinal);

    /// <summary>A profile by id, or by user id written <c>user_id:…</c> (as Segment's Profile API names profiles).</summary>
    public async Task<(Guid ProfileId, string? UserId)?> FindProfileAsync(string profile, CancellationToken cancellationToken)
    {
        var found = Guid.TryParse(profile, out var id)
            ? await dataSource.ListAsync("SELECT profile_id, user_id FROM profiles WHERE profile_id = $1",
                reader => (reader.GetGuid(0), reader.NullableString(1)), cancellationToken, id)
            : profile.StartsWith("user_id:", StringComparison.Ordinal) && profile.Length > "user_id:".Length
                ? await dataSource.ListAsync("SELECT profile_id, user_id FROM profiles WHERE user_id = $1 ORDER BY updated_at DESC LIMIT 1",
                    reader => (reader.GetGuid(0), reader.NullableString(1)), cancellationToken, profile["user_id:".Length..])
                : [];
        return found.Count == 0 ? null : found[0];
    }

    private async Task<HistoryPage> HistoryAsync(string filter, Guid id, int limit, long? before, CancellationToken cancellationToken)
    {
        var entries = await dataSource.ListAsync($"""
            SELECT h.id, h.audience_id, a.key, h.profile_id, p.user_id, h.entered, h.at, h.reason
            FROM membership_history h JOIN audiences a ON a.id = h.audience_id LEFT JOIN profiles p ON p.profile_id = h.profile_id
            WHERE {filter} AND h.id < $2 ORDER BY h.id DESC LIMIT $3
            """, reader => new HistoryEntry(reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2),
                reader.NullableGuid(3), reader.NullableString(4), reader.GetBoolean(5) ? "entered" : "exited",
                reader.Instant(6), reader.GetString(7)),
            cancellationToken, id, before ?? long.MaxValue, limit + 1);
        var page = entries.Take(limit).ToList();
        return new HistoryPage(page, entries.Count > limit ? page[^1].Id : null);
    }
}
