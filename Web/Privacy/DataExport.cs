using System.Text.Json;
using Alle.Web.Authentication;
using Alle.Web.Services;
using Alle.Web.Services.Audiences;
using Alle.Web.Services.Loyalty;
using Alle.Web.Services.Messaging;
using Alle.Web.Services.Profiles;

namespace Alle.Web.Privacy;

/// <summary>One part of a member's data, as the service that holds it answered (or why it could not).</summary>
public sealed record ExportPart(string Service, string Holds, JsonElement? Data, string? Error);

/// <summary>Her access request: every service's part, each saying which service it came from.</summary>
public sealed record MemberDataExport(string UserId, DateTimeOffset ExportedAt, IReadOnlyList<ExportPart> Parts)
{
    public ExportPart? Part(string service) => Parts.FirstOrDefault(p => p.Service == service);
}

/// <summary>
/// "Download my data": asks each service for what it holds about the signed-in member — Profiles (identifiers, traits,
/// merges, events), Loyalty (member record, points ledger and balance, tier history, purchases, coupons, check-ins),
/// Messaging (consent with evidence and audit trail, texts with codes masked and their statuses, journey entries) and
/// Audiences (memberships, computed traits, entries and exits) — in parallel. A service that cannot answer is named
/// with its error rather than silently left out. Every call names her own id, from her session.
/// </summary>
public sealed class DataExport(ProfilesService profiles, LoyaltyService loyalty, MessagingAdminService messaging, AudiencesAdminService audiences,
    MemberSession session, TimeProvider clock, ILogger<DataExport> logger)
{
    public async Task<MemberDataExport> AssembleAsync(CancellationToken cancellationToken)
    {
        var userId = session.RequireMemberId();
        var loyaltyPart = Ask("loyalty", "member record, points ledger and balance, tier history, purchases, coupons and redemptions, check-ins",
            async () => await loyalty.ExportAsync(cancellationToken));
        var parts = await Task.WhenAll(
            Ask("profiles", "identifiers, traits, merges and every event recorded about you", () => profiles.ExportMineAsync(cancellationToken)),
            loyaltyPart,
            Ask("messaging", "consent records with their evidence and audit trail, texts sent to you (sign-in codes masked) with their status, your texts to us, journey entries",
                async () =>
                {
                    // Her enrolled phone, when Loyalty knows her: Messaging also finds it from her enrolment.
                    var phone = (await loyaltyPart).Data is { } member && member.TryGetProperty("member", out var record)
                        && record.TryGetProperty("phone", out var number) ? number.GetString() : null;
                    return await messaging.ExportMemberAsync(userId, phone, cancellationToken);
                }),
            Ask("audiences", "audience memberships, computed traits, audience entries and exits", () => audiences.ExportMemberAsync(userId, cancellationToken)));
        return new MemberDataExport(userId, clock.GetUtcNow(), parts);

        async Task<ExportPart> Ask(string service, string holds, Func<Task<JsonElement?>> read)
        {
            try
            {
                return new ExportPart(service, holds, await read(), null);
            }
            catch (Exception exception) when (exception is ServiceProblem or HttpRequestException or TaskCanceledException or JsonException)
            {
                logger.LogWarning("Data export: {Service} could not answer for member {MemberId}: {Error}", service, userId, exception.GetType().Name);
                return new ExportPart(service, holds, null, $"{service} could not answer just now; please try again later.");
            }
        }
    }
}
