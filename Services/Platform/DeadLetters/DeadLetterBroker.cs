using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Alle.Platform.DeadLetters;

/// <summary>
/// Reads, replays and discards the messages in this service's dead-letter queues over AMQP (the broker's management
/// plugin may be off). Each call opens its own connection, so whatever it holds is released by the broker the moment
/// the call ends or the process dies. Replays are at least once and never duplicate inside a queue: a message is
/// acknowledged (removed) only after the broker confirmed its copy in the endpoint's queue, and copies of one message
/// id met in the same replay are sent once.
/// </summary>
public sealed class DeadLetterBroker(EventBusSettings settings, DeadLetterQueues queues, IHostEnvironment environment, ILogger<DeadLetterBroker> logger)
{
    /// <summary>
    /// How many messages one call reads at most, to find the last one or the ids asked for. Each one read and kept is
    /// requeued afterwards, work the broker does for every message held: 10,000 took it from 3 s to over 20 s here (under load), 1,000 about half a second.
    /// </summary>
    public const int ScanLimit = 1_000;

    /// <summary>How many messages one replay or discard of a whole queue moves at most; the answer says how many remain.</summary>
    public const int MoveLimit = 1_000;

    // An overview skips a queue another call holds rather than wait for it; an action waits for its turn.
    private static readonly TimeSpan s_overviewWait = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan s_actionWait = TimeSpan.FromSeconds(10);

    private readonly ConnectionFactory _factory = new()
    {
        Uri = new Uri(settings.ConnectionString ?? throw new InvalidOperationException("The event bus has no connection string.")),
        ClientProvidedName = $"{environment.ApplicationName} dead letters",
        // A recovered connection would silently re-declare a lock it no longer should hold: a failed call fails instead.
        AutomaticRecoveryEnabled = false,
        TopologyRecoveryEnabled = false,
        RequestedConnectionTimeout = TimeSpan.FromSeconds(5),
    };

    public string Service => settings.QueuePrefix ?? environment.ApplicationName;

    public DeadLetterQueue? Find(string queue) => queues.Find(queue);

    public async Task<IReadOnlyList<DeadLetterQueueOverview>> OverviewAsync(CancellationToken cancellationToken)
    {
        await using var connection = await _factory.CreateConnectionAsync(cancellationToken);
        var overview = new List<DeadLetterQueueOverview>();
        foreach (var queue in queues.All)
        {
            if (await CountAsync(connection, queue, cancellationToken) is null)
            {
                overview.Add(DeadLetterQueueOverview.Of(queue, 0));
                continue;
            }
            await using var held = await HeldDeadLetterQueue.TryHoldAsync(connection, queue, s_overviewWait, cancellationToken);
            if (held is null)
            {
                overview.Add(DeadLetterQueueOverview.Of(queue, await CountAsync(connection, queue, cancellationToken) ?? 0, busy: true));
                continue;
            }
            BasicGetResult? first = null;
            BasicGetResult? last = null;
            var scan = await held.ScanAsync(ScanLimit, delivery =>
            {
                first ??= delivery;
                last = delivery;
                return Task.FromResult(false);
            }, cancellationToken);
            overview.Add(DeadLetterQueueOverview.Of(queue, scan.Remaining, Summary(first), Summary(last), scan.Read));
        }
        return overview;
    }

    /// <summary>The first <paramref name="limit"/> messages of <paramref name="queue"/>, with their bodies and stack traces.</summary>
    public async Task<DeadLetterMessages> ReadAsync(DeadLetterQueue queue, int limit, CancellationToken cancellationToken)
    {
        await using var connection = await _factory.CreateConnectionAsync(cancellationToken);
        if (await CountAsync(connection, queue, cancellationToken) is null)
        {
            return new DeadLetterMessages(queue.Name, 0, []);
        }
        await using var held = await HoldAsync(connection, queue, cancellationToken);
        var messages = new List<DeadLetterMessage>();
        var scan = await held.ScanAsync(limit, delivery =>
        {
            messages.Add(DeadLetterMessage.Read(delivery.BasicProperties, delivery.Body, full: true));
            return Task.FromResult(false);
        }, cancellationToken);
        return new DeadLetterMessages(queue.Name, scan.Remaining, messages);
    }

    /// <summary>
    /// Sends the messages named by <paramref name="messageIds"/> (every copy of each), or the whole queue when null, back
    /// to the endpoint's queue (<paramref name="replay"/>) or deletes them. Only messages already there when the call
    /// began are moved, so a replay that fails again and returns meanwhile is not replayed twice by the same call.
    /// </summary>
    public async Task<DeadLetterOutcome> MoveAsync(DeadLetterQueue queue, IReadOnlySet<Guid>? messageIds, bool replay, CancellationToken cancellationToken)
    {
        var action = replay ? "replay" : "discard";
        await using var connection = await _factory.CreateConnectionAsync(cancellationToken);
        if (await CountAsync(connection, queue, cancellationToken) is null)
        {
            return new DeadLetterOutcome(queue.Name, action, 0, 0, [.. messageIds ?? new HashSet<Guid>()], 0);
        }
        await using var held = await HoldAsync(connection, queue, cancellationToken);
        var found = new HashSet<Guid>();
        var replayed = new HashSet<Guid>();
        var moved = 0;
        var duplicates = 0;
        ScanResult scan;
        try
        {
            scan = await held.ScanAsync(messageIds is null ? MoveLimit : ScanLimit, async delivery =>
            {
                var id = DeadLetterMessage.Read(delivery.BasicProperties, delivery.Body).Id;
                if (messageIds is not null && (id is not { } named || !messageIds.Contains(named)))
                {
                    return false;
                }
                if (id is { } seen)
                {
                    found.Add(seen);
                }
                if (replay && id is { } once && !replayed.Add(once))
                {
                    duplicates++;
                    return true;
                }
                if (replay)
                {
                    await held.ReplayAsync(delivery);
                }
                moved++;
                return true;
            }, cancellationToken);
        }
        catch (PublishException exception)
        {
            logger.LogWarning(exception, "Replay from {Queue} to {Endpoint} stopped after {Count} message(s)", queue.Name, queue.Endpoint, moved);
            throw new DeadLetterReplayStoppedException(queue, moved, exception);
        }
        logger.LogInformation("{Action} of {Count} message(s) from {Queue} (endpoint {Endpoint}); {Duplicates} duplicate(s) removed, {Remaining} remain",
            replay ? "Replay" : "Discard", moved, queue.Name, queue.Endpoint, duplicates, scan.Remaining);
        var notFound = messageIds?.Where(id => !found.Contains(id)).ToList() ?? [];
        return new DeadLetterOutcome(queue.Name, action, moved, duplicates, notFound, scan.Remaining);
    }

    private static async Task<HeldDeadLetterQueue> HoldAsync(IConnection connection, DeadLetterQueue queue, CancellationToken cancellationToken) =>
        await HeldDeadLetterQueue.TryHoldAsync(connection, queue, s_actionWait, cancellationToken) ?? throw new DeadLetterQueueBusyException(queue);

    /// <summary>Messages ready in the queue, or null while it does not exist (MassTransit declares it with the first message it moves there).</summary>
    private static async Task<long?> CountAsync(IConnection connection, DeadLetterQueue queue, CancellationToken cancellationToken)
    {
        // A passive declare of a missing queue closes its channel: a channel of its own.
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue.Name, cancellationToken)).MessageCount;
        }
        catch (OperationInterruptedException exception) when (exception.ShutdownReason?.ReplyCode == Constants.NotFound)
        {
            return null;
        }
    }

    private static DeadLetterMessage? Summary(BasicGetResult? delivery) =>
        delivery is null ? null : DeadLetterMessage.Read(delivery.BasicProperties, delivery.Body);
}

/// <summary>
/// A dead-letter queue at a glance. <see cref="Last"/> is the newest message when <see cref="Scanned"/> reached
/// <see cref="MessageCount"/>, else the newest of the first <see cref="Scanned"/>; a <see cref="Busy"/> queue was being
/// worked on by another call, so only its count is known.
/// </summary>
public sealed record DeadLetterQueueOverview(
    string Name, DeadLetterKind Kind, string Endpoint, long MessageCount, DeadLetterMessage? First, DeadLetterMessage? Last, int Scanned, bool Busy)
{
    public static DeadLetterQueueOverview Of(DeadLetterQueue queue, long messageCount, DeadLetterMessage? first = null, DeadLetterMessage? last = null,
        int scanned = 0, bool busy = false) =>
        new(queue.Name, queue.Kind, queue.Endpoint, messageCount, first, last, scanned, busy);
}

public sealed record DeadLetterMessages(string Queue, long MessageCount, IReadOnlyList<DeadLetterMessage> Messages);

/// <summary>What a replay or discard did: <see cref="Count"/> messages moved, copies of a replayed id removed, ids not met, and what remains.</summary>
public sealed record DeadLetterOutcome(string Queue, string Action, int Count, int DuplicatesRemoved, IReadOnlyList<Guid> NotFound, long Remaining);

public sealed class DeadLetterQueueBusyException(DeadLetterQueue queue)
    : Exception($"Another replay, discard or read of {queue.Name} is under way.")
{
    public DeadLetterQueue Queue { get; } = queue;
}

public sealed class DeadLetterReplayStoppedException(DeadLetterQueue queue, int replayed, Exception inner)
    : Exception($"The broker did not take a replay to {queue.Endpoint}: {inner.Message} {replayed} message(s) were replayed before it; the rest stay in {queue.Name}.", inner)
{
    public int Replayed { get; } = replayed;
}
