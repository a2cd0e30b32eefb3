using System.Text.Json.Nodes;
using Alle.Audiences.Definitions;
using Alle.Audiences.Outbox;
using Alle.Platform.Outbox;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Audiences.ComputedTraits;

/// <summary>
/// Stores a changed computed value and, when the person has a user id, queues an identify call that sets it as a trait
/// on her profile. The message id carries the value's version, so the same change is stored once however often it is
/// retried. A value that disappears is kept as JSON null (and the trait cleared), so versions never repeat.
/// </summary>
internal static class ComputedValueWriter
{
    public static async Task WriteAsync(NpgsqlConnection connection, ComputedTrait trait, Guid profileId, string? userId, JsonNode? value, int version,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var json = value?.ToJsonString() ?? "null";
        await connection.ExecuteAsync("""
            INSERT INTO computed_values (trait_id, profile_id, value, version, updated_at) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (trait_id, profile_id) DO UPDATE SET value = EXCLUDED.value, version = EXCLUDED.version, updated_at = EXCLUDED.updated_at
            """, cancellationToken, trait.Id, profileId, Sql.Jsonb(json), version, now);
        if (userId is not null)
        {
            await connection.AddAsync(IdentifyCall(trait, profileId, userId, value, version, now), now, cancellationToken);
        }
    }

    /// <summary>The identify call setting version <paramref name="version"/> of the value as a trait on her profile.</summary>
    public static OutboxEntry IdentifyCall(ComputedTrait trait, Guid profileId, string userId, JsonNode? value, int version, DateTimeOffset now) =>
        AudienceOutbox.Call(profileId, OutboxCall.Identify(
            IdentifyMessageId(trait.Id, profileId, version), userId, null, new JsonObject { [trait.Key] = value?.DeepClone() }, now));

    /// <summary>
    /// An anonymous profile's values could not be sent (an identify needs a user id); once she has one, her current
    /// values go out, each under the message id of its version.
    /// </summary>
    public static async Task IdentifyCurrentAsync(NpgsqlConnection connection, Catalog catalog, Guid profileId, string userId, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var values = await connection.ListAsync("SELECT trait_id, value::text, version FROM computed_values WHERE profile_id = $1",
            reader => (TraitId: reader.GetGuid(0), Value: JsonNode.Parse(reader.GetString(1)), Version: reader.GetInt32(2)), cancellationToken, profileId);
        foreach (var (traitId, value, version) in values)
        {
            if (catalog.ComputedTraits.FirstOrDefault(trait => trait.Id == traitId) is { } trait)
            {
                await connection.AddAsync(IdentifyCall(trait, profileId, userId, value, version, now), now, cancellationToken);
            }
        }
    }

    public static string IdentifyMessageId(Guid traitId, Guid profileId, int version) => $"ctr-{traitId:N}-{profileId:N}-{version}";
}
