using Alle.Audiences.Definitions;
using Alle.Audiences.Membership;
using Alle.Audiences.Outbox;
using Alle.Audiences.Profiles;
using Alle.Audiences.Storage;
using Alle.Contracts;
using Alle.Platform.Outbox;
using Alle.Platform.Sql;
using Alle.Platform.Workers;
using MassTransit;
using Npgsql;

namespace Alle.Audiences.RealTime;

/// <summary>
/// Folds merged profiles into the survivor: their events, traits (newest wins) and user id move over, their
/// memberships end (announced with the merged profile's id, without a track event: the person did not leave), their
/// computed values go, and the survivor is re-evaluated against every definition. Later messages naming a merged
/// profile are applied to the survivor. Running it twice changes nothing the second time.
/// </summary>
internal sealed class ProfilesMergedConsumer(
    NpgsqlDataSource dataSource,
    CatalogCache catalogs,
    ProfileEvaluator evaluator,
    WorkSignal<OutboxRelay> outbox,
    TimeProvider clock) : IConsumer<ProfilesMerged>
{
    public async Task Consume(ConsumeContext<ProfilesMerged> context)
    {
        var message = context.Message;
        var cancellationToken = context.CancellationToken;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        if (await ProfileStore.ResolveAsync(connection, message.SurvivorProfileId, cancellationToken) is not { } survivorId)
        {
            return;
        }
        var catalog = await catalogs.GetAsync(connection, cancellationToken);
        var now = clock.GetUtcNow();
        var mergedIds = message.MergedProfileIds.Where(id => id != survivorId).Distinct().Order().ToList();

        // Lock in one global order (by id) so two merges touching the same profiles cannot deadlock.
        var states = new Dictionary<Guid, ProfileState>();
        foreach (var id in mergedIds.Append(survivorId).Order())
        {
            if (id == survivorId)
            {
                if (await ProfileStore.LockOrCreateAsync(connection, id, now, cancellationToken) is not { } locked)
                {
                    return;
                }
                states[id] = locked;
            }
            else if (await ProfileStore.LockAsync(connection, id, skipLocked: false, cancellationToken) is { } merged)
            {
                states[id] = merged;
            }
        }
        var survivor = states[survivorId];

        foreach (var mergedId in mergedIds)
        {
            if (states.TryGetValue(mergedId, out var merged))
            {
                await FoldAsync(connection, catalog, survivor, merged, now, cancellationToken);
            }
            await connection.ExecuteAsync("""
                INSERT INTO merged_profiles (profile_id, survivor_id, merged_at) VALUES ($1, $2, $3)
                ON CONFLICT (profile_id) DO UPDATE SET survivor_id = EXCLUDED.survivor_id, merged_at = EXCLUDED.merged_at
                """, cancellationToken, mergedId, survivorId, now);
            await connection.ExecuteAsync("UPDATE merged_profiles SET survivor_id = $2 WHERE survivor_id = $1", cancellationToken, mergedId, survivorId);
        }

        await ProfileStore.SaveAsync(connection, survivor, now, cancellationToken);
        await evaluator.EvaluateAsync(connection, catalog, survivor, new ProfileChange { Everything = true }, "merge", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        outbox.Notify();
    }

    private static async Task FoldAsync(NpgsqlConnection connection, Catalog catalog, ProfileState survivor, ProfileState merged, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await connection.ExecuteAsync("""
            INSERT INTO events (profile_id, message_id, name, properties, timestamp)
            SELECT $2, message_id, name, properties, timestamp FROM events WHERE profile_id = $1
            ON CONFLICT (profile_id, message_id) DO NOTHING
            """, cancellationToken, merged.ProfileId, survivor.ProfileId);
        await connection.ExecuteAsync("DELETE FROM events WHERE profile_id = $1", cancellationToken, merged.ProfileId);
        survivor.Absorb(merged);

        var memberships = await connection.ListAsync("SELECT audience_id FROM memberships WHERE profile_id = $1",
            reader => reader.GetGuid(0), cancellationToken, merged.ProfileId);
        foreach (var audience in catalog.Audiences.Where(audience => memberships.Contains(audience.Id)).OrderBy(audience => audience.Id))
        {
            await connection.LockDefinitionAsync(audience.Id, exclusive: false, cancellationToken);
            await MembershipWriter.RecordAsync(connection, audience, merged.ProfileId, merged.UserId, entered: false, now, "merged", trackEvent: false, cancellationToken);
        }
        await connection.ExecuteAsync("DELETE FROM memberships WHERE profile_id = $1", cancellationToken, merged.ProfileId);
        await connection.ExecuteAsync("DELETE FROM computed_values WHERE profile_id = $1", cancellationToken, merged.ProfileId);
        await connection.ExecuteAsync("DELETE FROM profile_due WHERE profile_id = $1", cancellationToken, merged.ProfileId);
        await connection.ExecuteAsync("DELETE FROM profiles WHERE profile_id = $1", cancellationToken, merged.ProfileId);
    }
}
