using System.Text.Json.Nodes;
using Alle.Audiences.Definitions;
using Alle.Audiences.Outbox;
using Alle.Contracts;
using Alle.Platform.Outbox;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Audiences.Membership;

/// <summary>
/// Records one entry or exit: the membership row, the history row, <see cref="AudienceMembershipChanged"/> and (when
/// the person has a user id) the <c>Audience Entered</c>/<c>Audience Exited</c> track event, all in the caller's
/// transaction. The track call's message id is derived from the history row, so it is the same on every retry.
/// </summary>
internal static class MembershipWriter
{
    public const string EnteredEvent = "Audience Entered";
    public const string ExitedEvent = "Audience Exited";

    public static async Task RecordAsync(NpgsqlConnection connection, AudienceDefinition audience, Guid profileId, string? userId,
        bool entered, DateTimeOffset at, string reason, bool trackEvent, CancellationToken cancellationToken)
    {
        if (entered)
        {
            await connection.ExecuteAsync("INSERT INTO memberships (audience_id, profile_id, entered_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                cancellationToken, audience.Id, profileId, at);
        }
        else
        {
            await connection.ExecuteAsync("DELETE FROM memberships WHERE audience_id = $1 AND profile_id = $2", cancellationToken, audience.Id, profileId);
        }
        var historyId = await connection.ScalarAsync<long>("""
            INSERT INTO membership_history (audience_id, profile_id, entered, at, reason) VALUES ($1, $2, $3, $4, $5) RETURNING id
            """, cancellationToken, audience.Id, profileId, entered, at, reason);

        await connection.AddAsync(Announcements(audience, profileId, userId, entered, at, reason, trackEvent ? historyId : null), at, cancellationToken);
    }

    /// <summary>
    /// What announces an entry or exit: <see cref="AudienceMembershipChanged"/> and, given the history row and a user id,
    /// the track call.
    /// </summary>
    public static List<OutboxEntry> Announcements(AudienceDefinition audience, Guid profileId, string? userId, bool entered, DateTimeOffset at,
        string reason, long? historyId)
    {
        var entries = new List<OutboxEntry>(2)
        {
            AudienceOutbox.Publication(profileId, new AudienceMembershipChanged(audience.Id, audience.Key, profileId, userId, entered, at, reason)),
        };
        if (historyId is { } id && userId is not null)
        {
            entries.Add(AudienceOutbox.Call(profileId, OutboxCall.Track(
                TrackMessageId(audience.Id, profileId, entered, id), userId, entered ? EnteredEvent : ExitedEvent,
                TrackProperties(audience.Key, audience.Name, audience.Id, entered), at)));
        }
        return entries;
    }

    /// <summary>Deterministic and under ingestion's 100-character limit.</summary>
    public static string TrackMessageId(Guid audienceId, Guid profileId, bool entered, long historyId) =>
        $"aud-{audienceId:N}-{profileId:N}-{(entered ? "in" : "out")}-{historyId}";

    /// <summary>As Segment sends them: the audience key, and a property named after the key that says whether she is in.</summary>
    public static JsonObject TrackProperties(string key, string name, Guid id, bool entered) => new()
    {
        ["audience_key"] = key,
        ["audience_name"] = name,
        ["audience_id"] = id.ToString(),
        [key] = entered,
    };
}
