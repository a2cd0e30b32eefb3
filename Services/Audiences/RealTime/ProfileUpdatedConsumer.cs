using System.Text.Json;
using Alle.Audiences.Definitions;
using Alle.Audiences.Outbox;
using Alle.Audiences.Profiles;
using Alle.Contracts;
using Alle.Audiences.Conditions;
using Alle.Platform.Outbox;
using Alle.Platform.Workers;
using MassTransit;
using Npgsql;

namespace Alle.Audiences.RealTime;

/// <summary>
/// Keeps the profile copy (traits, track events) and runs the real-time path for a whole <see cref="ProfilesUpdated"/>
/// (or a single <see cref="ProfileUpdated"/>) in one transaction: each step is one round trip for every profile of
/// the batch, and each update is evaluated in memory, in order, exactly as it would be on its own. Idempotent: a
/// redelivered batch finds its events already stored (by profile and message id) and its traits already applied, so
/// nothing changes again. Our own identify and track calls come back here too; they cannot loop, because computed
/// values and memberships only emit when they change, and re-applying what we sent changes nothing.
/// </summary>
internal sealed class ProfileUpdatedConsumer(
    NpgsqlDataSource dataSource,
    CatalogCache catalogs,
    WorkSignal<OutboxRelay> outbox,
    TimeProvider clock) : IConsumer<ProfileUpdated>, IConsumer<ProfilesUpdated>
{
    public Task Consume(ConsumeContext<ProfileUpdated> context) => ApplyAsync([context.Message], context.CancellationToken);

    public Task Consume(ConsumeContext<ProfilesUpdated> context) => ApplyAsync(context.Message.Updates, context.CancellationToken);

    private async Task ApplyAsync(IReadOnlyList<ProfileUpdated> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0)
        {
            return;
        }
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // One of our own calls, sent before the person was deleted and resolved by Profiles after it (into a new
        // profile), names her: our echo must not recreate her.
        var echoes = messages.Select(message => OwnCalls.ProfileOf(message.Trigger) is { } about && about != message.ProfileId ? about : (Guid?)null).ToList();
        var resolved = await ProfileBatchStore.ResolveAsync(connection, [.. messages.Select(message => message.ProfileId), .. echoes.OfType<Guid>()], cancellationToken);
        var applicable = messages
            .Select((message, index) => (Message: message, ProfileId: resolved[message.ProfileId], About: echoes[index]))
            .Where(update => update.ProfileId is not null && (update.About is not { } about || resolved[about] is not null))
            .Select(update => (update.Message, ProfileId: update.ProfileId!.Value, Event: TrackEventOf(update.Message)))
            .ToList();
        if (applicable.Count == 0)
        {
            return;
        }

        var catalog = await catalogs.GetAsync(connection, cancellationToken);
        var now = clock.GetUtcNow();
        var locked = await ProfileBatchStore.LockOrCreateAsync(connection, [.. applicable.Select(update => update.ProfileId)],
            [.. applicable.Where(update => update.Event is not null).Select(update => (update.ProfileId, update.Event!))], now, cancellationToken);
        if (locked.Deleted.Count > 0)
        {
            await ProfileBatchStore.ForgetAsync(connection, locked.Deleted, cancellationToken);
            applicable.RemoveAll(update => locked.Deleted.Contains(update.ProfileId));
        }

        // An event stored by this batch is performed by the first update carrying it; a repeat of it in the batch is a redelivery.
        var unclaimed = new HashSet<(Guid, string)>(locked.NewEvents);
        var updates = applicable.Select(update => new BatchUpdate(update.ProfileId, update.Message,
            update.Event is { } added && unclaimed.Remove((update.ProfileId, added.MessageId)) ? added : null)).ToList();

        // What each update may change, known before evaluation: what to lock and read for all of them.
        var newUserIds = updates.Where(update => update.Message.UserId is { } userId
                                                 && !string.Equals(userId, locked.Profiles[update.ProfileId].UserId, StringComparison.Ordinal))
            .Select(update => update.ProfileId).ToHashSet();
        var (traits, audiences) = ProfileBatch.Reach(catalog, updates.Select(update =>
        {
            var traitKeys = new HashSet<string>((update.Message.ChangedTraits ?? new Dictionary<string, JsonElement>()).Keys, StringComparer.Ordinal);
            return new ProfileChange
            {
                Traits = traitKeys,
                Event = update.NewEvent?.Name,
                IdentifiersChanged = newUserIds.Contains(update.ProfileId) || traitKeys.Any(ProfileState.IsIdentifierTrait),
                Everything = locked.Profiles[update.ProfileId].IsNew,
            };
        }));
        var identifiers = audiences.Any(audience => audience.References.Models.Count > 0)
            ? updates.GroupBy(update => update.ProfileId)
                .SelectMany(group => ProfileBatch.ModelIdentifiers(catalog, locked.Profiles[group.Key], group.Select(update => update.Message))).ToList()
            : [];
        var (profiles, modelRows) = await ProfileBatchStore.LoadAsync(connection, locked,
            [.. traits.Select(trait => trait.Id), .. audiences.Select(audience => audience.Id)],
            [.. traits.Select(trait => trait.Definition.Event), .. audiences.SelectMany(audience => audience.References.Events)],
            identifiers, [.. catalog.Models.Select(model => model.Id)], cancellationToken);

        var facts = ProfileBatch.Apply(catalog, profiles, updates, modelRows, now);
        if (!profiles.Values.Any(profile => profile.Changed))
        {
            return;
        }
        await ProfileBatchStore.WriteAsync(connection, catalog, profiles.Values, facts, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        outbox.Notify();
    }

    private static ProfileEvent? TrackEventOf(ProfileUpdated message) =>
        message.Trigger is { Type: "track", Event: { Length: > 0 } name } trigger
            ? new ProfileEvent(trigger.MessageId, name, trigger.Properties is { ValueKind: JsonValueKind.Object } properties ? properties : EmptyObject, trigger.Timestamp)
            : null;

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();
}

internal sealed class ProfileUpdatedConsumerDefinition : ConsumerDefinition<ProfileUpdatedConsumer>
{
    public ProfileUpdatedConsumerDefinition(IConfiguration configuration)
    {
        // Batches sharing profiles wait on each other's row locks; a few in flight keep PostgreSQL busy on two cores.
        ConcurrentMessageLimit = configuration.GetValue("Audiences:RealTime:ConcurrentBatches", 4);
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<ProfileUpdatedConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.PrefetchCount = (ConcurrentMessageLimit ?? 4) * 2;
        }
    }
}
