using Alle.Contracts;
using Alle.Platform.Outbox;

namespace Alle.Messaging.Outbox;

/// <summary>What Messaging reports through the outbox, under message ids taken from each fact's natural key.</summary>
internal static class MessagingFacts
{
    /// <summary>A message's statuses reach consumers in the order they were recorded.</summary>
    public static OutboxEntry StatusChanged(MessageStatusChanged change) =>
        OutboxEntry.Publish(change, $"messaging-status-{change.MessageId:N}-{change.Status}", $"message:{change.MessageId:N}");

    /// <summary>Each handling of a deletion request reports again, so a request repeated because a report went missing gets one.</summary>
    public static OutboxEntry DataDeleted(PersonalDataDeleted deleted) => OutboxEntry.Publish(deleted);
}
