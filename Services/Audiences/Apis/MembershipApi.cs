using Alle.Platform.Authorization;
using System.Text.Json;
using Alle.Audiences.Definitions;
using Alle.Audiences.Membership;
using Alle.Platform.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

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
        var api = app.MapGroup("/api/audiences").RequirePermission(Permissions.AudiencesWrite);
        api.MapGet("/{audience}/members", Members).WithSummary("An audience's members");
        api.MapGet("/{audience}/history", AudienceHistory).WithSummary("Entries and exits of an audience");
        api.MapGet("/{audience}/size-history", SizeHistory).WithSummary("An audience's size over time");
        api.MapGet("/profiles/{profile}", Profile).WithSummary("The audiences and computed traits of a profile");
        api.MapGet("/profiles/{profile}/history", ProfileHistory).WithSummary("A profile's audience entries and exits");
    }

    private static async Task<Results<Ok<MembersPage>, ProblemHttpResult>> Members(string audience, AudienceStore audiences, MembershipStore store,
        CancellationToken cancellationToken, int limit = 100, Guid? after = null)
    {
        if (await audiences.FindAsync(audience, cancellationToken) is not { } found)
        {
            return AudiencesApi.NotFound(audience);
        }
        limit = Math.Clamp(limit, 1, MaxPage);
        var members = await store.MembersAsync(found.Id, after ?? Guid.Empty, limit, cancellationToken);
        var reach = await store.ReachAsync(found.Id, cancellationToken);
        var hasMore = members.Count > limit;
        var page = members.Take(limit).ToList();
        return TypedResults.Ok(new MembersPage(page, found.Size, reach.Known, reach.Sms, hasMore ? page[^1].ProfileId : null));
    }

    private static async Task<Results<Ok<HistoryPage>, ProblemHttpResult>> AudienceHistory(string audience, AudienceStore audiences, MembershipStore store,
        CancellationToken cancellationToken, int limit = 100, long? before = null)
    {
        if (await audiences.FindAsync(audience, cancellationToken) is not { } found)
        {
            return AudiencesApi.NotFound(audience);
        }
        return TypedResults.Ok(await store.AudienceHistoryAsync(found.Id, Math.Clamp(limit, 1, MaxPage), before, cancellationToken));
    }

    /// <summary>Members at the end of each day (UTC) with that day's entries and exits, for the last <paramref name="days"/> days.</summary>
    private static async Task<Results<Ok<SizeHistory>, ProblemHttpResult>> SizeHistory(string audience, AudienceStore audiences, MembershipStore store,
        TimeProvider clock, CancellationToken cancellationToken, int days = 30)
    {
        if (await audiences.FindAsync(audience, cancellationToken) is not { } found)
        {
            return AudiencesApi.NotFound(audience);
        }
        days = Math.Clamp(days, 1, 366);
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        var first = today.AddDays(1 - days);
        var changes = await store.ChangesPerDayAsync(found.Id, cancellationToken);

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

    private static async Task<Results<Ok<ProfileAudiences>, ProblemHttpResult>> Profile(string profile, MembershipStore store,
        CancellationToken cancellationToken)
    {
        if (await store.FindProfileAsync(profile, cancellationToken) is not { } found)
        {
            return ProfileNotFound(profile);
        }
        var audiences = await store.AudiencesOfAsync(found.ProfileId, cancellationToken);
        var computed = await store.ComputedTraitsOfAsync(found.ProfileId, cancellationToken);
        return TypedResults.Ok(new ProfileAudiences(found.ProfileId, found.UserId, audiences, computed));
    }

    private static async Task<Results<Ok<HistoryPage>, ProblemHttpResult>> ProfileHistory(string profile, MembershipStore store,
        CancellationToken cancellationToken, int limit = 100, long? before = null)
    {
        if (await store.FindProfileAsync(profile, cancellationToken) is not { } found)
        {
            return ProfileNotFound(profile);
        }
        return TypedResults.Ok(await store.ProfileHistoryAsync(found.ProfileId, Math.Clamp(limit, 1, MaxPage), before, cancellationToken));
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
