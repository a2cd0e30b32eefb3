using System.Text.Json;
using System.Text.Json.Nodes;
using Alle.Audiences.ComputedTraits;
using Alle.Audiences.Conditions;
using Alle.Audiences.Definitions;
using Alle.Audiences.Membership;
using Alle.Audiences.Outbox;
using Alle.Audiences.Profiles;
using Alle.Audiences.Storage;
using Alle.Platform.Sql;
using Npgsql;
using NpgsqlTypes;

namespace Alle.Audiences.RealTime;

/// <summary>
/// The real-time path for one profile whose row the caller has locked: recomputes the computed traits fed by what
/// changed, re-evaluates only the audiences depending on what changed (and on those), records entries and exits, and
/// schedules the next moment a time window can change a result without any new event.
/// </summary>
internal sealed class ProfileEvaluator(TimeProvider clock)
{
    public async Task EvaluateAsync(NpgsqlConnection connection, Catalog catalog, ProfileState profile, ProfileChange change, string reason,
        CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var traits = change.Everything
            ? catalog.ComputedTraits
            : (change.Event is { } name ? catalog.TraitsComputedFrom(name) : [])
                .Concat(change.WindowsElapsed ? catalog.WindowedTraits() : [])
                .DistinctBy(trait => trait.Id).ToList();
        var changedTraits = traits.Count == 0 ? [] : await ComputeTraitsAsync(connection, profile, traits, now, cancellationToken);

        var audiences = catalog.AudiencesAffectedBy(change with { ComputedTraits = new HashSet<string>(change.ComputedTraits.Concat(changedTraits), StringComparer.Ordinal) });
        if (audiences.Count > 0)
        {
            await EvaluateAudiencesAsync(connection, catalog, profile, audiences, reason, now, cancellationToken);
        }

        if (catalog.Windows.Count > 0 && (change.Everything || change.WindowsElapsed
                                          || (change.Event is not null && catalog.Windows.Any(window => window.Event == change.Event))))
        {
            await ScheduleAsync(connection, catalog, profile.ProfileId, now, cancellationToken);
        }
    }

    /// <returns>Keys of the computed traits whose value changed.</returns>
    private static async Task<List<string>> ComputeTraitsAsync(NpgsqlConnection connection, ProfileState profile, IReadOnlyList<ComputedTrait> traits,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var trait in traits.OrderBy(trait => trait.Id))
        {
            await connection.LockDefinitionAsync(trait.Id, exclusive: false, cancellationToken);
        }
        var events = await ProfileStore.EventsAsync(connection, profile.ProfileId, traits.Select(trait => trait.Definition.Event), cancellationToken);
        var stored = (await connection.ListAsync("""
                SELECT trait_id, value::text, version FROM computed_values WHERE profile_id = $1 AND trait_id = ANY($2)
                """, reader => (Id: reader.GetGuid(0), Value: JsonNode.Parse(reader.GetString(1)), Version: reader.GetInt32(2)),
                cancellationToken, profile.ProfileId, traits.Select(trait => trait.Id).ToArray()))
            .ToDictionary(row => row.Id);

        var changed = new List<string>();
        foreach (var trait in traits)
        {
            var value = ComputedTraitCalculator.Compute(trait.Definition, events, now);
            var node = value is { } element ? JsonNode.Parse(element.GetRawText()) : null;
            var known = stored.TryGetValue(trait.Id, out var row);
            if (known ? JsonNode.DeepEquals(row.Value, node) : value is null || IsZeroCount(trait, value.Value))
            {
                continue;
            }
            var version = known ? row.Version + 1 : 1;
            await ComputedValueWriter.WriteAsync(connection, trait, profile.ProfileId, profile.UserId, node, version, now, cancellationToken);
            changed.Add(trait.Key);
        }
        return changed;
    }

    /// <summary>A counter with no event yet has no value: profiles that never performed the event get no row.</summary>
    public static bool IsZeroCount(ComputedTrait trait, JsonElement value) =>
        trait.Definition.Kind == ComputedTraitKind.Counter && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var count) && count == 0;

    private static async Task EvaluateAudiencesAsync(NpgsqlConnection connection, Catalog catalog, ProfileState profile,
        IReadOnlyList<AudienceDefinition> audiences, string reason, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var audience in audiences.OrderBy(audience => audience.Id))
        {
            await connection.LockDefinitionAsync(audience.Id, exclusive: false, cancellationToken);
        }
        var facts = await LoadFactsAsync(connection, catalog, profile, audiences, cancellationToken);
        foreach (var audience in audiences)
        {
            var member = ConditionEvaluator.Evaluate(audience.Condition, facts, now);
            if (member == facts.Audiences.Contains(audience.Key))
            {
                continue;
            }
            if (member)
            {
                facts.Audiences.Add(audience.Key);
            }
            else
            {
                facts.Audiences.Remove(audience.Key);
            }
            await MembershipWriter.RecordAsync(connection, audience, profile.ProfileId, profile.UserId, member, now, reason, trackEvent: true, cancellationToken);
        }
    }

    public static async Task<ProfileFacts> LoadFactsAsync(NpgsqlConnection connection, Catalog catalog, ProfileState profile,
        IReadOnlyList<AudienceDefinition> audiences, CancellationToken cancellationToken)
    {
        var eventNames = audiences.SelectMany(audience => audience.References.Events).Distinct(StringComparer.Ordinal).ToList();
        var events = eventNames.Count == 0 ? [] : await ProfileStore.EventsAsync(connection, profile.ProfileId, eventNames, cancellationToken);

        var traitKeys = catalog.ComputedTraits.ToDictionary(trait => trait.Id, trait => trait.Key);
        var computed = (await connection.ListAsync("SELECT trait_id, value::text FROM computed_values WHERE profile_id = $1",
                reader => (Id: reader.GetGuid(0), Value: reader.Json(1)), cancellationToken, profile.ProfileId))
            .Where(row => traitKeys.ContainsKey(row.Id))
            .ToDictionary(row => traitKeys[row.Id], row => row.Value, StringComparer.Ordinal);

        var audienceKeys = catalog.Audiences.ToDictionary(audience => audience.Id, audience => audience.Key);
        var memberships = (await connection.ListAsync("SELECT audience_id FROM memberships WHERE profile_id = $1",
                reader => reader.GetGuid(0), cancellationToken, profile.ProfileId))
            .Where(audienceKeys.ContainsKey)
            .Select(id => audienceKeys[id]);

        var models = new HashSet<string>(StringComparer.Ordinal);
        if (audiences.Any(audience => audience.References.Models.Count > 0))
        {
            foreach (var group in catalog.Models.GroupBy(model => model.IdentifierType))
            {
                if (ProfileIdentifiers.Of(group.Key, profile.UserId, profile.Traits) is not { } identifier)
                {
                    continue;
                }
                var ids = await connection.ListAsync("SELECT model_id FROM etl_model_rows WHERE identifier = $1 AND model_id = ANY($2)",
                    reader => reader.GetGuid(0), cancellationToken, identifier, group.Select(model => model.Id).ToArray());
                models.UnionWith(group.Where(model => ids.Contains(model.Id)).Select(model => model.Key));
            }
        }

        return new ProfileFacts
        {
            Traits = profile.Traits,
            UserId = profile.UserId,
            Events = events,
            ComputedTraits = computed,
            Audiences = new HashSet<string>(memberships, StringComparer.Ordinal),
            Models = models,
        };
    }

    /// <summary>
    /// Records when this profile's windowed results can next change: the earliest moment one of its events leaves one of
    /// the windows definitions use. Property filters are ignored here, so this may wake a little more often than needed,
    /// never later than needed.
    /// </summary>
    private static async Task ScheduleAsync(NpgsqlConnection connection, Catalog catalog, Guid profileId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var due = await connection.ScalarAsync<DateTime?>("""
            SELECT min(e.timestamp + w.span) FROM events e JOIN unnest($2::text[], $3::interval[]) AS w(name, span) ON e.name = w.name
            WHERE e.profile_id = $1 AND e.timestamp + w.span > $4
            """, cancellationToken, profileId,
            catalog.Windows.Select(window => window.Event).ToArray(),
            new NpgsqlParameter { Value = catalog.Windows.Select(window => window.Window).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Interval },
            now);
        if (due is { } at)
        {
            await connection.ExecuteAsync("""
                INSERT INTO profile_due (profile_id, due_at) VALUES ($1, $2) ON CONFLICT (profile_id) DO UPDATE SET due_at = EXCLUDED.due_at
                """, cancellationToken, profileId, new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)));
        }
        else
        {
            await connection.ExecuteAsync("DELETE FROM profile_due WHERE profile_id = $1", cancellationToken, profileId);
        }
    }
}
