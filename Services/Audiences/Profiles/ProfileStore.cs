using System.Text.Json;
using Alle.Audiences.Conditions;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Audiences.Profiles;

/// <summary>Reads and writes the profile copy and its events, inside the caller's transaction.</summary>
internal static class ProfileStore
{
    /// <summary>The profile a message about <paramref name="profileId"/> applies to (its survivor after merges), or null if deleted.</summary>
    public static async Task<Guid?> ResolveAsync(NpgsqlConnection connection, Guid profileId, CancellationToken cancellationToken)
    {
        var current = profileId;
        for (var hop = 0; hop < 32; hop++)
        {
            var survivor = await connection.ScalarAsync<Guid?>("SELECT survivor_id FROM merged_profiles WHERE profile_id = $1", cancellationToken, current);
            if (survivor is not { } next || next == current)
            {
                break;
            }
            current = next;
        }
        return await IsDeletedAsync(connection, current, cancellationToken) ? null : current;
    }

    /// <summary>
    /// Creates the profile if new and locks its row until the transaction ends: per-profile writes are serialised. Null
    /// when she has been deleted: the tombstone is read once the lock is held, so an update racing her deletion either
    /// commits first (and the deletion, which waits for the same row, removes what it wrote) or sees the tombstone.
    /// </summary>
    public static async Task<ProfileState?> LockOrCreateAsync(NpgsqlConnection connection, Guid profileId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var created = await connection.ExecuteAsync("""
            INSERT INTO profiles (profile_id, created_at, updated_at) VALUES ($1, $2, $2) ON CONFLICT (profile_id) DO NOTHING
            """, cancellationToken, profileId, now) == 1;
        var profile = await LockAsync(connection, profileId, skipLocked: false, cancellationToken);
        if (await IsDeletedAsync(connection, profileId, cancellationToken))
        {
            return null;
        }
        if (profile is null)
        {
            // Gone while we waited for its lock without being deleted: merged meanwhile. Retried, the message resolves to the survivor.
            throw new InvalidOperationException($"Profile {profileId} was merged while waiting for its lock.");
        }
        profile.IsNew = created;
        return profile;
    }

    public static Task<bool> IsDeletedAsync(NpgsqlConnection connection, Guid profileId, CancellationToken cancellationToken) =>
        connection.ScalarAsync<bool>("SELECT EXISTS (SELECT 1 FROM deleted_profiles WHERE profile_id = $1)", cancellationToken, profileId);

    /// <summary>Locks an existing profile's row; with <paramref name="skipLocked"/>, null when another transaction holds it.</summary>
    public static async Task<ProfileState?> LockAsync(NpgsqlConnection connection, Guid profileId, bool skipLocked, CancellationToken cancellationToken)
    {
        var rows = await connection.ListAsync(
            $"SELECT user_id, traits::text, trait_times::text FROM profiles WHERE profile_id = $1 FOR UPDATE{(skipLocked ? " SKIP LOCKED" : "")}",
            reader => new ProfileState(profileId, reader.NullableString(0),
                JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(reader.GetString(1))!,
                JsonSerializer.Deserialize<Dictionary<string, DateTimeOffset>>(reader.GetString(2))!),
            cancellationToken, profileId);
        return rows.Count == 0 ? null : rows[0];
    }

    public static Task SaveAsync(NpgsqlConnection connection, ProfileState profile, DateTimeOffset now, CancellationToken cancellationToken) =>
        connection.ExecuteAsync("UPDATE profiles SET user_id = $2, traits = $3, trait_times = $4, updated_at = $5 WHERE profile_id = $1",
            cancellationToken, profile.ProfileId, Sql.Text(profile.UserId),
            Sql.Jsonb(JsonSerializer.Serialize(profile.Traits)),
            Sql.Jsonb(JsonSerializer.Serialize(profile.TraitTimes)), now);

    public static Task<List<ProfileEvent>> EventsAsync(NpgsqlConnection connection, Guid profileId, IEnumerable<string> names, CancellationToken cancellationToken) =>
        connection.ListAsync("""
            SELECT message_id, name, properties::text, timestamp FROM events WHERE profile_id = $1 AND name = ANY($2)
            """,
            reader => new ProfileEvent(reader.GetString(0), reader.GetString(1), reader.Json(2), reader.Instant(3)),
            cancellationToken, profileId, names.Distinct(StringComparer.Ordinal).ToArray());
}
