using System.Text.Json;
using Alle.Platform.Authentication;
using Alle.Platform.Sql;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace Alle.Audiences.Apis;

/// <summary>
/// Membership queries: an audience's members (paged), its entries and exits, its size per day (the console's chart),
/// and one profile's audiences, computed traits and history. A profile is named by its id or as <c>user_id:…</c>.
/// </summary>
internal static class MembershipApi
{
    private const int MaxPage = 500;

    public static void MapMembershipApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/audiences").RequireAuthorization(AdminKeyAuthentication.Policy);
        api.MapGet("/{audience}/members", Members);
        api.MapGet("/{audience}/history", AudienceHistory);
        api.MapGet("/{audience}/size-history", SizeHistory);
        api.MapGet("/profiles/{profile}", Profile);
        api.MapGet("/profiles/{profile}/history", ProfileHistory);
    }

    private static async Task<Results<Ok<MembersPage>, ProblemHttpResult>> Members(string audience, NpgsqlDataSource dataSource,
        CancellationToken cancellationToken, int limit = 100, Guid? after = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await AudiencesApi.FindAsync(connection, audience, cancellationToken) is not { } found)
        {
            return AudiencesApi.NotFound(audience);
        }
        limit = Math.Clamp(limit, 1, MaxPage);
        var members = await connection.ListAsync("""
            SELECT m.profile_id, p.user_id, m.entered_at, r.masked_phone, COALESCE(r.marketing, false)
            FROM memberships m JOIN profiles p ON p.profile_id = m.profile_id LEFT JOIN member_reachability r ON r.user_id = p.user_id
            WHERE m.audience_id = $1 AND m.profile_id > $2 ORDER BY m.profile_id LIMIT $3
            """, reader => new Member(reader.GetGuid(0), reader.NullableString(1), reader.Instant(2), reader.NullableString(3), reader.GetBoolean(4)),
            cancellationToken, found.Id, after ?? Guid.Empty, limit + 1);
        var reach = (await connection.ListAsync("""
            SELECT count(p.user_id), count(*) FILTER (WHERE r.marketing)
            FROM memberships m JOIN profiles p ON p.profile_id = m.profile_id LEFT JOIN member_reachability r ON r.user_id = p.user_id
            WHERE m.audience_id = $1
            """, reader => (Known: reader.GetInt64(0), Sms: reader.GetInt64(1)), cancellationToken, found.Id))[0];
        var hasMore = members.Count > limit;
        var page = members.Take(limit).ToList();
        return TypedResults.Ok(new MembersPage(page, found.Size, reach.Known, reach.Sms, hasMore ? page[^1].ProfileId : null));
    }

    private static async Task<Results<Ok<HistoryPage>, ProblemHttpResult>> AudienceHistory(string audience, NpgsqlDataSource dataSource,
        CancellationToken cancellationToken, int limit = 100, long? before = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await AudiencesApi.FindAsync(connection, audience, cancellationToken) is not { } found)
        {
            return AudiencesApi.NotFound(audience);
        }
        return TypedResults.Ok(await HistoryAsync(connection, "h.audience_id = $1", found.Id, Math.Clamp(limit, 1, MaxPage), before, cancellationToken));
    }

    /// <summary>Members at the end of each day (UTC) with that day's entries and exits, for the last <paramref name="days"/> days.</summary>
    private static async Task<Results<Ok<SizeHistory>, ProblemHttpResult>> SizeHistory(string audience, NpgsqlDataSource dataSource,
        TimeProvider clock, CancellationToken cancellationToken, int days = 30)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await AudiencesApi.FindAsync(connection, audience, cancellationToken) is not { } found)
        {
            return AudiencesApi.NotFound(audience);
        }
        days = Math.Clamp(days, 1, 366);
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var first = today.AddDays(1 - days);
        var changes = await connection.ListAsync("""
            SELECT (h.at AT TIME ZONE 'UTC')::date AS day, count(*) FILTER (WHERE h.entered), count(*) FILTER (WHERE NOT h.entered)
            FROM membership_history h WHERE h.audience_id = $1 GROUP BY 1 ORDER BY 1
            """, reader => (Day: DateOnly.FromDateTime(reader.GetDateTime(0)), Entered: reader.GetInt64(1), Exited: reader.GetInt64(2)),
            cancellationToken, found.Id);

        var byDay = changes.ToDictionary(change => change.Day);
        var size = changes.Where(change => change.Day < first).Sum(change => change.Entered - change.Exited);
        var points = new List<SizePoint>();
        for (var day = first; day <= today; day = day.AddDays(1))
        {
            var (entered, exited) = byDay.TryGetValue(day, out var change) ? (change.Entered, change.Exited) : (0, 0);
            size += entered - exited;
            points.Add(new SizePoint(day, size, entered, exited));
        }
        return TypedResults.Ok(new SizeHistory(found.Id, points));
    }

    private static async Task<Results<Ok<ProfileAudiences>, ProblemHttpResult>> Profile(string profile, NpgsqlDataSource dataSource,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await FindProfileAsync(connection, profile, cancellationToken) is not { } found)
        {
            return ProfileNotFound(profile);
        }
        var audiences = await connection.ListAsync("""
            SELECT a.id, a.key, a.name, m.entered_at FROM memberships m JOIN audiences a ON a.id = m.audience_id
            WHERE m.profile_id = $1 ORDER BY a.key
            """, reader => new ProfileMembership(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.Instant(3)),
            cancellationToken, found.ProfileId);
        var computed = await connection.ListAsync("""
            SELECT t.key, c.value::text FROM computed_values c JOIN computed_traits t ON t.id = c.trait_id
            WHERE c.profile_id = $1 AND jsonb_typeof(c.value) <> 'null' ORDER BY t.key
            """, reader => (Key: reader.GetString(0), Value: reader.Json(1)), cancellationToken, found.ProfileId);
        return TypedResults.Ok(new ProfileAudiences(found.ProfileId, found.UserId, audiences,
            computed.ToDictionary(item => item.Key, item => item.Value, StringComparer.Ordinal)));
    }

    private static async Task<Results<Ok<HistoryPage>, ProblemHttpResult>> ProfileHistory(string profile, NpgsqlDataSource dataSource,
        CancellationToken cancellationToken, int limit = 100, long? before = null)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (await FindProfileAsync(connection, profile, cancellationToken) is not { } found)
        {
            return ProfileNotFound(profile);
        }
        return TypedResults.Ok(await HistoryAsync(connection, "h.profile_id = $1", found.ProfileId, Math.Clamp(limit, 1, MaxPage), before, cancellationToken));
    }

    private static async Task<HistoryPage> HistoryAsync(NpgsqlConnection connection, string filter, Guid id, int limit, long? before,
        CancellationToken cancellationToken)
    {
        var entries = await connection.ListAsync($"""
            SELECT h.id, h.audience_id, a.key, h.profile_id, p.user_id, h.entered, h.at, h.reason
            FROM membership_history h JOIN audiences a ON a.id = h.audience_id LEFT JOIN profiles p ON p.profile_id = h.profile_id
            WHERE {filter} AND h.id < $2 ORDER BY h.id DESC LIMIT $3
            """, reader => new HistoryEntry(reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetGuid(3), reader.NullableString(4), reader.GetBoolean(5) ? "entered" : "exited",
                reader.Instant(6), reader.GetString(7)),
            cancellationToken, id, before ?? long.MaxValue, limit + 1);
        var page = entries.Take(limit).ToList();
        return new HistoryPage(page, entries.Count > limit ? page[^1].Id : null);
    }

    /// <summary>A profile by id, or by user id written <c>user_id:…</c> (as Segment's Profile API names profiles).</summary>
    public static async Task<(Guid ProfileId, string? UserId)?> FindProfileAsync(NpgsqlConnection connection, string profile, CancellationToken cancellationToken)
    {
        var found = Guid.TryParse(profile, out var id)
            ? await connection.ListAsync("SELECT profile_id, user_id FROM profiles WHERE profile_id = $1",
                reader => (reader.GetGuid(0), reader.NullableString(1)), cancellationToken, id)
            : profile.StartsWith("user_id:", StringComparison.Ordinal) && profile.Length > "user_id:".Length
                ? await connection.ListAsync("SELECT profile_id, user_id FROM profiles WHERE user_id = $1 ORDER BY updated_at DESC LIMIT 1",
                    reader => (reader.GetGuid(0), reader.NullableString(1)), cancellationToken, profile["user_id:".Length..])
                : [];
        return found.Count == 0 ? null : found[0];
    }

    private static ProblemHttpResult ProfileNotFound(string profile) => AudiencesApi.Problem(404, "Profile not found",
        profile.Contains(':', StringComparison.Ordinal) || Guid.TryParse(profile, out _)
            ? "Audiences holds no profile with this id or user id."
            : "Name a profile by its id or as user_id:<user id>.");
}

/// <summary>A member of an audience: her user id once she is known, her phone masked, and whether a marketing text may reach her now.</summary>
internal sealed record Member(Guid ProfileId, string? UserId, DateTimeOffset EnteredAt, string? MaskedPhone, bool SmsReachable);

/// <summary>A page of members; <see cref="KnownMembers"/> have a user id, <see cref="SmsReachable"/> can be texted marketing now.</summary>
internal sealed record MembersPage(IReadOnlyList<Member> Data, long Total, long KnownMembers, long SmsReachable, Guid? Next);

internal sealed record HistoryEntry(long Id, Guid AudienceId, string AudienceKey, Guid? ProfileId, string? UserId, string Change, DateTimeOffset At, string Reason);

internal sealed record HistoryPage(IReadOnlyList<HistoryEntry> Data, long? Next);

internal sealed record SizePoint(DateOnly Day, long Size, long Entered, long Exited);

internal sealed record SizeHistory(Guid AudienceId, IReadOnlyList<SizePoint> Data);

internal sealed record ProfileMembership(Guid AudienceId, string Key, string Name, DateTimeOffset EnteredAt);

internal sealed record ProfileAudiences(Guid ProfileId, string? UserId, IReadOnlyList<ProfileMembership> Audiences, IReadOnlyDictionary<string, JsonElement> ComputedTraits);
