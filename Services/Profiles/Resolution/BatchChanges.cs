using System.Text.Json;
using Alle.Contracts;
using Alle.Platform.Sql;
using Alle.Profiles.Identity;
using Alle.Profiles.Outbox;
using Npgsql;

namespace Alle.Profiles.Resolution;

/// <summary>An event and the profile it resolved to when it was processed (a later merge in the batch may move it on).</summary>
internal sealed record ResolvedEvent(TrackedEvent Event, Guid ProfileId, IReadOnlyList<Identifier> Identifiers, IReadOnlyDictionary<string, JsonElement> ChangedTraits);

/// <summary>One merge: which event caused it, which of its identifiers matched the two profiles, what the absorbed profile held.</summary>
internal sealed record MergeRecord(Guid Id, Guid SurvivorId, Guid AbsorbedId, TrackedEvent Trigger, IReadOnlyList<Identifier> MatchedIdentifiers, IReadOnlyList<Identifier> AbsorbedIdentifiers);

/// <summary>Everything a resolved batch writes, turned into set-based statements (one round trip).</summary>
internal sealed class BatchChanges(IdentityGraph graph, Dictionary<Guid, ProfileState> profiles)
{
    public List<ResolvedEvent> Events { get; } = [];
    public List<MergeRecord> Merges { get; } = [];
    public List<(Identifier Identifier, Guid ProfileId, TrackedEvent Event)> NewIdentities { get; } = [];
    public List<(Guid ProfileId, TrackedEvent Event, IReadOnlyList<DroppedIdentifier> Dropped)> Decisions { get; } = [];
    public List<(Guid ProfileId, string GroupId, string SourceId)> Links { get; } = [];
    public List<OutboxMessage> Outbox { get; } = [];
    public int Skipped { get; set; }

    public IReadOnlyCollection<Guid> TouchedProfiles => [.. profiles.Values.Where(p => p.Changed).Select(p => p.Id)];

    public IEnumerable<NpgsqlBatchCommand> ToCommands(DateTimeOffset now)
    {
        now = Sql.Utc(now);
        Guid Root(Guid profileId) => graph.SurvivorOf(profileId);

        var changed = profiles.Values.Where(p => p.Changed).ToList();
        yield return Sql.Command("""
            INSERT INTO profiles (id, created_at, updated_at, traits, merged_into, first_message_id, first_source_id, last_message_id, last_source_id)
            SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::text[]::jsonb[], $5::uuid[], $6::text[], $7::text[], $8::text[], $9::text[])
            ON CONFLICT (id) DO UPDATE SET
                created_at = EXCLUDED.created_at, updated_at = EXCLUDED.updated_at, traits = EXCLUDED.traits, merged_into = EXCLUDED.merged_into,
                first_message_id = EXCLUDED.first_message_id, first_source_id = EXCLUDED.first_source_id,
                last_message_id = EXCLUDED.last_message_id, last_source_id = EXCLUDED.last_source_id
            """,
            Sql.Value(changed.Select(p => p.Id).ToArray()),
            Sql.Value(changed.Select(p => Sql.Utc(p.CreatedAt)).ToArray()),
            Sql.Value(changed.Select(p => Sql.Utc(p.UpdatedAt)).ToArray()),
            Sql.Value(changed.Select(p => p.Traits.ToJson()).ToArray()),
            Sql.Value(changed.Select(p => p.MergedInto is { } survivor ? Root(survivor) : (Guid?)null).ToArray()),
            Sql.Value(changed.Select(p => p.FirstMessageId).ToArray()),
            Sql.Value(changed.Select(p => p.FirstSourceId).ToArray()),
            Sql.Value(changed.Select(p => p.LastMessageId).ToArray()),
            Sql.Value(changed.Select(p => p.LastSourceId).ToArray()));

        if (Merges.Count > 0)
        {
            var absorbed = Merges.Select(m => m.AbsorbedId).ToArray();
            var survivors = Merges.Select(m => Root(m.AbsorbedId)).ToArray();
            foreach (var table in new[] { "identities", "events", "links" })
            {
                yield return Sql.Command($"""
                    UPDATE {table} SET profile_id = m.survivor FROM unnest($1::uuid[], $2::uuid[]) AS m(absorbed, survivor)
                    WHERE {table}.profile_id = m.absorbed
                    """, Sql.Value(absorbed), Sql.Value(survivors));
            }
            yield return Sql.Command("""
                INSERT INTO merges (id, survivor_id, absorbed_id, trigger_source_id, trigger_message_id, trigger_type, matched_identifiers, absorbed_identifiers, merged_at)
                SELECT i, s, a, ts, tm, tt, mi::jsonb, ai::jsonb, $9
                FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[]) AS m(i, s, a, ts, tm, tt, mi, ai)
                """,
                Sql.Value(Merges.Select(m => m.Id).ToArray()),
                Sql.Value(Merges.Select(m => m.SurvivorId).ToArray()),
                Sql.Value(absorbed),
                Sql.Value(Merges.Select(m => m.Trigger.SourceId).ToArray()),
                Sql.Value(Merges.Select(m => m.Trigger.MessageId).ToArray()),
                Sql.Value(Merges.Select(m => m.Trigger.Type).ToArray()),
                Sql.Value(Merges.Select(m => JsonSerializer.Serialize(m.MatchedIdentifiers, JsonSerializerOptions.Web)).ToArray()),
                Sql.Value(Merges.Select(m => JsonSerializer.Serialize(m.AbsorbedIdentifiers, JsonSerializerOptions.Web)).ToArray()),
                Sql.Value(now));
        }

        if (NewIdentities.Count > 0)
        {
            yield return Sql.Command("""
                INSERT INTO identities (type, value, profile_id, source_id, first_message_id, created_at)
                SELECT t, v, p, s, m, $6 FROM unnest($1::text[], $2::text[], $3::uuid[], $4::text[], $5::text[]) AS i(t, v, p, s, m)
                """,
                Sql.Value(NewIdentities.Select(i => i.Identifier.Type).ToArray()),
                Sql.Value(NewIdentities.Select(i => i.Identifier.Value).ToArray()),
                Sql.Value(NewIdentities.Select(i => Root(i.ProfileId)).ToArray()),
                Sql.Value(NewIdentities.Select(i => i.Event.SourceId).ToArray()),
                Sql.Value(NewIdentities.Select(i => i.Event.MessageId).ToArray()),
                Sql.Value(now));
        }

        // A plain insert: an event resolved concurrently by another instance violates the key and the batch starts over.
        yield return Sql.Command("""
            INSERT INTO events (source_id, message_id, profile_id, origin_profile_id, type, event, name, user_id, anonymous_id, group_id,
                                properties, traits, context, external_ids, timestamp, received_at)
            SELECT s, m, p, o, t, e, n, u, a, g, pr::jsonb, tr::jsonb, c::jsonb, x::jsonb, ts, ra
            FROM unnest($1::text[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[],
                        $11::text[], $12::text[], $13::text[], $14::text[], $15::timestamptz[], $16::timestamptz[])
                 AS r(s, m, p, o, t, e, n, u, a, g, pr, tr, c, x, ts, ra)
            """,
            Sql.Value(Events.Select(e => e.Event.SourceId).ToArray()),
            Sql.Value(Events.Select(e => e.Event.MessageId).ToArray()),
            Sql.Value(Events.Select(e => Root(e.ProfileId)).ToArray()),
            Sql.Value(Events.Select(e => e.ProfileId).ToArray()),
            Sql.Value(Events.Select(e => e.Event.Type).ToArray()),
            Sql.Value(Events.Select(e => e.Event.Event).ToArray()),
            Sql.Value(Events.Select(e => e.Event.Name).ToArray()),
            Sql.Value(Events.Select(e => e.Event.UserId).ToArray()),
            Sql.Value(Events.Select(e => e.Event.AnonymousId).ToArray()),
            Sql.Value(Events.Select(e => e.Event.GroupId).ToArray()),
            Sql.Value(Events.Select(e => Json(e.Event.Properties)).ToArray()),
            Sql.Value(Events.Select(e => Json(e.Event.Traits)).ToArray()),
            Sql.Value(Events.Select(e => Json(e.Event.Context)).ToArray()),
            Sql.Value(Events.Select(e => JsonSerializer.Serialize(e.Identifiers.Select(ExternalId.From), JsonSerializerOptions.Web)).ToArray()),
            Sql.Value(Events.Select(e => Sql.Utc(e.Event.Timestamp)).ToArray()),
            Sql.Value(Events.Select(e => Sql.Utc(e.Event.ReceivedAt)).ToArray()));

        if (Decisions.Count > 0)
        {
            yield return Sql.Command("""
                INSERT INTO identity_decisions (profile_id, source_id, message_id, dropped, decided_at)
                SELECT p, s, m, d::jsonb, $5 FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS x(p, s, m, d)
                """,
                Sql.Value(Decisions.Select(d => Root(d.ProfileId)).ToArray()),
                Sql.Value(Decisions.Select(d => d.Event.SourceId).ToArray()),
                Sql.Value(Decisions.Select(d => d.Event.MessageId).ToArray()),
                Sql.Value(Decisions.Select(d => JsonSerializer.Serialize(d.Dropped, JsonSerializerOptions.Web)).ToArray()),
                Sql.Value(now));
        }

        if (Links.Count > 0)
        {
            yield return Sql.Command("""
                INSERT INTO links (origin_profile_id, group_id, profile_id, source_id, created_at)
                SELECT o, g, p, s, $5 FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[]) AS l(o, g, p, s)
                ON CONFLICT DO NOTHING
                """,
                Sql.Value(Links.Select(l => l.ProfileId).ToArray()),
                Sql.Value(Links.Select(l => l.GroupId).ToArray()),
                Sql.Value(Links.Select(l => Root(l.ProfileId)).ToArray()),
                Sql.Value(Links.Select(l => l.SourceId).ToArray()),
                Sql.Value(now));
        }

        yield return OutboxMessage.Insert(Outbox, now);
    }

    private static string? Json(JsonElement? element) => element is { ValueKind: not JsonValueKind.Undefined } value ? value.GetRawText() : null;
}

/// <summary>An identifier as Segment shows it in <c>external_ids</c>.</summary>
internal sealed record ExternalId(string Id, string Type, string Collection, string Encoding)
{
    public static ExternalId From(Identifier identifier) => new(identifier.Value, identifier.Type, "users", "none");
}
