using Alle.Contracts;
using Alle.Platform.Outbox;
using Npgsql;

namespace Alle.Profiles.Outbox;

/// <summary>An integration event to publish once the transaction that wrote it commits.</summary>
internal sealed record OutboxMessage(object Message)
{
    /// <summary>One statement writing every message of the transaction that produced them, in the current trace.</summary>
    public static NpgsqlBatchCommand Insert(IReadOnlyCollection<OutboxMessage> messages, DateTimeOffset at) =>
        OutboxWriter.Insert([.. messages.Select(m => OutboxEntry.Publish(m.Message, orderingKey: ProfilesOf(m.Message) is [var first, ..] ? $"profile:{first}" : null))], at);

    /// <summary>The profiles a message is about: their cached copies are invalidated before it is published.</summary>
    public static IReadOnlyList<Guid> ProfilesOf(object message) => message switch
    {
        ProfileUpdated update => [update.ProfileId],
        ProfilesMerged merge => [merge.SurvivorProfileId, .. merge.MergedProfileIds],
        ProfilesUnmerged unmerge => [unmerge.SurvivorProfileId, unmerge.RestoredProfileId],
        ProfileDeleted deletion when deletion.ProfileId != Guid.Empty => [deletion.ProfileId],
        _ => [],
    };
}
