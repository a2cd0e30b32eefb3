using System.Text.Json;
using Alle.Audiences.ComputedTraits;
using Alle.Audiences.Conditions;
using Alle.Audiences.Definitions;
using Alle.Audiences.Outbox;
using Alle.Audiences.Profiles;
using Alle.Contracts;
using Alle.Platform.Outbox;
using Alle.Platform.Sql;
using Alle.Platform.Workers;
using MassTransit;
using Npgsql;

namespace Alle.Audiences.RealTime;

/// <summary>
/// Keeps the profile copy (traits, track events) and runs the real-time path. Idempotent: a redelivered update finds
/// its event already stored (by profile and message id) and its traits already applied, so nothing changes again.
/// Our own identify and track calls come back here too; they cannot loop, because computed values and memberships
/// only emit when they change, and re-applying what we sent changes nothing.
/// </summary>
internal sealed class ProfileUpdatedConsumer(
    NpgsqlDataSource dataSource,
    CatalogCache catalogs,
    ProfileEvaluator evaluator,
    WorkSignal<OutboxRelay> outbox,
    TimeProvider clock) : IConsumer<ProfileUpdated>, IConsumer<ProfilesUpdated>
{
    public Task Consume(ConsumeContext<ProfileUpdated> context) => ApplyAsync(context.Message, context.CancellationToken);

    /// <summary>Each update in its own transaction, in order; a redelivered batch re-applies the done ones as no-ops.</summary>
    public async Task Consume(ConsumeContext<ProfilesUpdated> context)
    {
        foreach (var update in context.Message.Updates)
        {
            await ApplyAsync(update, context.CancellationToken);
        }
    }

    private async Task ApplyAsync(ProfileUpdated message, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        if (await ProfileStore.ResolveAsync(connection, message.ProfileId, cancellationToken) is not { } profileId
            || await IsEchoAboutDeletedProfileAsync(connection, message, cancellationToken))
        {
            return;
        }
        var catalog = await catalogs.GetAsync(connection, cancellationToken);
        var now = clock.GetUtcNow();
        if (await ProfileStore.LockOrCreateAsync(connection, profileId, now, cancellationToken) is not { } profile)
        {
            return;
        }

        var changedTraits = profile.ApplyTraits(message.ChangedTraits ?? new Dictionary<string, JsonElement>(), message.UpdatedAt);
        var userIdChanged = message.UserId is not null && !string.Equals(profile.UserId, message.UserId, StringComparison.Ordinal);
        if (userIdChanged)
        {
            if (profile.UserId is null)
            {
                await ComputedValueWriter.IdentifyCurrentAsync(connection, catalog, profileId, message.UserId!, now, cancellationToken);
            }
            profile.UserId = message.UserId;
        }

        string? performed = null;
        if (message.Trigger is { Type: "track", Event: { Length: > 0 } name } trigger
            && await ProfileStore.AddEventAsync(connection, profileId, new ProfileEvent(trigger.MessageId, name,
                trigger.Properties is { ValueKind: JsonValueKind.Object } properties ? properties : EmptyObject, trigger.Timestamp), cancellationToken))
        {
            performed = name;
        }

        if (changedTraits.Count == 0 && !userIdChanged && performed is null && !profile.IsNew)
        {
            await transaction.CommitAsync(cancellationToken);
            return;
        }

        await ProfileStore.SaveAsync(connection, profile, now, cancellationToken);
        await evaluator.EvaluateAsync(connection, catalog, profile, new ProfileChange
        {
            Traits = changedTraits,
            Event = performed,
            IdentifiersChanged = userIdChanged || changedTraits.Any(ProfileState.IsIdentifierTrait),
            Everything = profile.IsNew,
        }, performed is null ? "traits" : "event", cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        outbox.Notify();
    }

    /// <summary>
    /// One of our own calls, sent before the person was deleted and resolved by Profiles after it (into a new profile):
    /// our echo must not recreate her.
    /// </summary>
    private static async Task<bool> IsEchoAboutDeletedProfileAsync(NpgsqlConnection connection, ProfileUpdated message, CancellationToken cancellationToken) =>
        OwnCalls.ProfileOf(message.Trigger) is { } about && about != message.ProfileId
        && await ProfileStore.ResolveAsync(connection, about, cancellationToken) is null;

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();
}
