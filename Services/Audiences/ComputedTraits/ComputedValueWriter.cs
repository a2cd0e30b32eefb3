using System.Text.Json.Nodes;
using Alle.Audiences.Definitions;
using Alle.Audiences.Outbox;
using Alle.Audiences.Storage;
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
            """, cancellationToken, trait.Id, profileId, NpgsqlCommandExtensions.Jsonb(json), version, now);
        if (userId is not null)
        {
            await OutboxWriter.CallAsync(connection, profileId, OutboxCall.Identify(
                IdentifyMessageId(trait.Id, profileId, version), userId, null, new JsonObject { [trait.Key] = value?.DeepClone() }, now), now, cancellationToken);
        }
    }

    public static string IdentifyMessageId(Guid traitId, Guid profileId, int version) => $"ctr-{traitId:N}-{profileId:N}-{version}";
}
