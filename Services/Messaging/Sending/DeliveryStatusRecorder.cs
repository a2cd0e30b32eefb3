using Alle.Messaging.Consent;
using Alle.Messaging.Twilio;
using Alle.Platform.Outbox;
using Alle.Platform.Workers;
using Npgsql;

namespace Alle.Messaging.Sending;

/// <summary>
/// A delivery status Twilio reported: the message moves to it if that is forward, and a carrier's opt-out error stops
/// texts to the number, in one transaction. Returns the row when it moved.
/// </summary>
internal sealed class DeliveryStatusRecorder(NpgsqlDataSource dataSource, WorkSignal<OutboxRelay> outboxSignal, TimeProvider clock)
{
    public async Task<MessageRow?> RecordAsync(Guid id, string status, string providerSid, int? errorCode, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var moved = await MessageStore.TransitionAsync(connection, transaction, id, status, now, cancellationToken,
            providerSid: providerSid, errorCode: errorCode, errorMessage: errorCode is { } failure ? TwilioErrors.Classify(failure).ToString() : null);
        if (moved is not null && TwilioErrors.MeansOptedOut(errorCode))
        {
            await ConsentStore.ApplyAsync(connection, transaction, MessageDispatcher.CarrierOptOut(moved.To, now, errorCode!.Value), cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        outboxSignal.Notify();
        return moved;
    }
}
