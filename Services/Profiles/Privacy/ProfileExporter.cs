using System.Text.Json;
using Alle.Platform.Sql;
using Alle.Profiles.Reading;
using Alle.Profiles.Traits;
using Npgsql;

namespace Alle.Profiles.Privacy;

/// <summary>Everything this service holds about one person, as one JSON document ("download my data").</summary>
internal sealed record ProfileExport(
    Guid ProfileId,
    DateTimeOffset ExportedAt,
    string? UserId,
    IReadOnlyList<StoredIdentity> Identifiers,
    IReadOnlyDictionary<string, TraitValue> Traits,
    ProfileMetadata Metadata,
    IReadOnlyList<ProfileLink> Links,
    IAsyncEnumerable<TimelineEvent> Events,
    IReadOnlyList<MergeLogEntry> Merges,
    IReadOnlyList<IdentityDecision> IdentityDecisions);

internal sealed record MergeLogEntry(
    Guid MergeId, Guid SurvivorProfileId, Guid AbsorbedProfileId, string TriggerSourceId, string TriggerMessageId, string TriggerType,
    JsonElement MatchedIdentifiers, JsonElement AbsorbedIdentifiers, DateTimeOffset MergedAt, DateTimeOffset? UnmergedAt);

internal sealed record IdentityDecision(string SourceId, string MessageId, JsonElement Dropped, DateTimeOffset DecidedAt);

internal sealed class ProfileExporter(NpgsqlDataSource dataSource, ProfileStore store, TimeProvider clock)
{
    public async Task<ProfileExport?> ExportAsync(Guid profileId, CancellationToken cancellationToken)
    {
        if (await store.LoadAsync(profileId, cancellationToken) is not { } profile)
        {
            return null;
        }
        return new ProfileExport(
            profileId, clock.GetUtcNow(), profile.UserId, profile.Identities, profile.Traits, profile.Metadata, profile.Links,
            store.ReadEventsAsync(profileId, new EventsQuery(int.MaxValue, null, true, null, null, null, null), cancellationToken),
            await MergesAsync(profileId, cancellationToken),
            await DecisionsAsync(profileId, cancellationToken));
    }

    /// <summary>Merges this profile took part in, as survivor or absorbed, newest first.</summary>
    public async Task<IReadOnlyList<MergeLogEntry>> MergesAsync(Guid profileId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, survivor_id, absorbed_id, trigger_source_id, trigger_message_id, trigger_type, matched_identifiers::text,
                   absorbed_identifiers::text, merged_at, unmerged_at
            FROM merges WHERE survivor_id = $1 OR absorbed_id = $1 ORDER BY merged_at DESC, id DESC
            """);
        command.Parameters.Add(Sql.Value(profileId));
        var merges = new List<MergeLogEntry>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            merges.Add(new MergeLogEntry(reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), reader.GetString(3), reader.GetString(4), reader.GetString(5),
                JsonSerializer.Deserialize<JsonElement>(reader.GetString(6)), JsonSerializer.Deserialize<JsonElement>(reader.GetString(7)),
                reader.GetFieldValue<DateTimeOffset>(8), reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9)));
        }
        return merges;
    }

    /// <summary>Identifiers merge protection kept out of this profile, newest first.</summary>
    public async Task<IReadOnlyList<IdentityDecision>> DecisionsAsync(Guid profileId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT source_id, message_id, dropped::text, decided_at FROM identity_decisions WHERE profile_id = $1 ORDER BY id DESC LIMIT 1000
            """);
        command.Parameters.Add(Sql.Value(profileId));
        var decisions = new List<IdentityDecision>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            decisions.Add(new IdentityDecision(reader.GetString(0), reader.GetString(1), JsonSerializer.Deserialize<JsonElement>(reader.GetString(2)),
                reader.GetFieldValue<DateTimeOffset>(3)));
        }
        return decisions;
    }
}
