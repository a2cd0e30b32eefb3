namespace Alle.Platform.Outbox;

/// <summary>
/// What a service may add to the relay's bus deliveries; register one as a singleton. Without it every row is published
/// as its own message.
/// </summary>
public interface IOutboxBusHooks
{
    /// <summary>Runs once per pass, before any of <paramref name="messages"/> (in row order) is published.</summary>
    Task BeforePublishingAsync(IReadOnlyList<PendingOutboxMessage> messages, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Groups the pass's messages (in row order) into what goes on the bus, keeping every row in exactly one publication.</summary>
    IEnumerable<OutboxPublication> Plan(IReadOnlyList<PendingOutboxMessage> messages) =>
        messages.Select(message => new OutboxPublication(message.Message, [message]));
}

internal sealed class DefaultOutboxBusHooks : IOutboxBusHooks;
