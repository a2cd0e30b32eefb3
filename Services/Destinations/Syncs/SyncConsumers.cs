using System.Text.Json.Nodes;
using Alle.Contracts;
using Alle.Destinations.Configuration;
using Alle.Destinations.Intake;
using Alle.Platform.Sql;
using MassTransit;
using Npgsql;

namespace Alle.Destinations.Syncs;

/// <summary>
/// An audience entry or exit goes to every destination syncing that audience, as identify and/or track calls. What each
/// sync last said about the person is kept (<c>sync_members</c>), in the same transaction as the queued calls: a change
/// older than the last one is ignored, a repeated one sends nothing, and an exit is only sent to a destination that was
/// told she was a member.
/// </summary>
internal sealed class AudienceMembershipChangedConsumer(NpgsqlDataSource dataSource, CatalogStore catalogs, DeliveryIntake intake, TimeProvider clock)
    : IConsumer<AudienceMembershipChanged>
{
    public async Task Consume(ConsumeContext<AudienceMembershipChanged> context)
    {
        var change = context.Message;
        var cancellationToken = context.CancellationToken;
        if (change.UserId is not { Length: > 0 } userId || (await catalogs.GetAsync(cancellationToken)).SyncsOf(SyncKinds.Audience, change.AudienceKey).Count == 0)
        {
            // Without a user id there is nobody to identify downstream (as Audiences sends no track call for her either).
            return;
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var catalog = await catalogs.GetAsync(connection, cancellationToken);
        var now = clock.GetUtcNow();
        var queued = false;
        foreach (var (destination, sync) in catalog.SyncsOf(SyncKinds.Audience, change.AudienceKey))
        {
            if (!await RecordAsync(connection, sync.Id, change.ProfileId, userId, change.Entered, change.ChangedAt, cancellationToken))
            {
                continue;
            }
            var changeId = $"aud-{change.AudienceId:N}-{change.ProfileId:N}-{(change.Entered ? "in" : "out")}-{change.ChangedAt.ToUnixTimeMilliseconds()}";
            var calls = SyncEvents.ForMembership(sync, userId, change.Entered, changeId, change.ChangedAt, now)
                .Select(call => DeliveryIntake.FromSync(call, userId, [], change.ChangedAt, now)).ToList();
            queued |= await intake.AcceptAsync(connection, catalog, calls, (_, _) => [destination], cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        intake.Committed(queued);
    }

    /// <summary>Records the change for one sync; answers whether the destination is to be told.</summary>
    public static async Task<bool> RecordAsync(NpgsqlConnection connection, Guid syncId, Guid profileId, string userId, bool member, DateTimeOffset changedAt,
        CancellationToken cancellationToken)
    {
        var last = await connection.ListAsync("SELECT member, changed_at FROM sync_members WHERE sync_id = $1 AND profile_id = $2 FOR UPDATE",
            reader => (Member: reader.GetBoolean(0), ChangedAt: reader.Instant(1)), cancellationToken, syncId, profileId);
        if (last.Count == 1 && last[0].ChangedAt >= changedAt)
        {
            return false;
        }
        await connection.ExecuteAsync("""
            INSERT INTO sync_members (sync_id, profile_id, user_id, member, changed_at) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (sync_id, profile_id) DO UPDATE SET user_id = EXCLUDED.user_id, member = EXCLUDED.member, changed_at = EXCLUDED.changed_at
            """, cancellationToken, syncId, profileId, userId, member, changedAt);
        var wasMember = last.Count == 1 && last[0].Member;
        return member != wasMember;
    }
}

/// <summary>
/// A computed trait's new value (Audiences sets it on the profile, and Profiles announces the change) goes to every
/// destination syncing that trait as an identify call.
/// </summary>
internal sealed class ComputedTraitChangedConsumer(CatalogStore catalogs, DeliveryIntake intake, TimeProvider clock)
    : IConsumer<ProfileUpdated>, IConsumer<ProfilesUpdated>
{
    public Task Consume(ConsumeContext<ProfileUpdated> context) => SyncAsync([context.Message], context.CancellationToken);

    public Task Consume(ConsumeContext<ProfilesUpdated> context) => SyncAsync(context.Message.Updates, context.CancellationToken);

    private async Task SyncAsync(IReadOnlyList<ProfileUpdated> updates, CancellationToken cancellationToken)
    {
        // Every profile change comes through here: the catalog refreshed in the background answers "no trait is synced" without a query.
        var cached = catalogs.Cached;
        if (!cached.HasSyncs(SyncKinds.ComputedTrait) && cached.Version > 0)
        {
            return;
        }
        var catalog = await catalogs.GetAsync(cancellationToken);
        var keys = catalog.SyncedKeys(SyncKinds.ComputedTrait).ToHashSet(StringComparer.Ordinal);
        var now = clock.GetUtcNow();
        var calls = new List<(IncomingEvent Call, Destination Destination)>();
        foreach (var update in updates)
        {
            if (update.UserId is not { Length: > 0 } userId)
            {
                continue;
            }
            foreach (var (key, value) in update.ChangedTraits.Where(trait => keys.Contains(trait.Key)))
            {
                var changeId = $"ctr-{key}-{update.ProfileId:N}-{update.Trigger?.MessageId ?? update.UpdatedAt.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture)}";
                foreach (var (destination, sync) in catalog.SyncsOf(SyncKinds.ComputedTrait, key))
                {
                    var call = SyncEvents.ForComputedValue(sync, userId, JsonNode.Parse(value.GetRawText()), changeId, update.UpdatedAt, now);
                    calls.Add((DeliveryIntake.FromSync(call, userId, [], update.UpdatedAt, now), destination));
                }
            }
        }
        if (calls.Count > 0)
        {
            var targets = new Dictionary<IncomingEvent, IReadOnlyList<Destination>>(ReferenceEqualityComparer.Instance);
            foreach (var (call, destination) in calls)
            {
                targets[call] = [destination];
            }
            await intake.AcceptAsync([.. calls.Select(c => c.Call)], (_, call) => targets[call], cancellationToken);
        }
    }
}
