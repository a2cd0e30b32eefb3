using System.Diagnostics;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Alle.Platform.DeadLetters;

/// <summary>
/// A dead-letter queue that one connection works on alone. AMQP has no "peek": a message is read with <c>basic.get</c>
/// and stays on the broker, invisible to others, until it is acknowledged (removed) or rejected back. Every message
/// looked at but kept is held unacknowledged until the scan ends, then all are requeued at once: rejecting each one
/// straight away would put it back at the head, so the next get would return it again. The broker requeues held
/// messages in their original places, and does so by itself if this process dies mid-scan, so a read never loses or
/// reorders anything.
/// <para>
/// While messages are held, another replica's get would not see them, so each operation first takes the queue's lock:
/// an exclusive queue named after it, which the broker lets one connection declare at a time and deletes when that
/// connection goes, so a crashed holder never leaves it locked.
/// </para>
/// </summary>
internal sealed class HeldDeadLetterQueue : IAsyncDisposable
{
    private static readonly TimeSpan s_retryLock = TimeSpan.FromMilliseconds(200);

    private readonly IChannel _channel;
    private readonly string _lockName;

    private HeldDeadLetterQueue(IChannel channel, DeadLetterQueue queue, string lockName)
    {
        _channel = channel;
        Queue = queue;
        _lockName = lockName;
    }

    public DeadLetterQueue Queue { get; }

    /// <summary>The queue held by <paramref name="connection"/>, or null when another holder kept it past <paramref name="wait"/>.</summary>
    public static async Task<HeldDeadLetterQueue?> TryHoldAsync(IConnection connection, DeadLetterQueue queue, TimeSpan wait, CancellationToken cancellationToken)
    {
        var lockName = $"alle.dead-letters.lock.{queue.Name}";
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            // A refused declare closes its channel: each attempt gets a new one.
            var channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
            try
            {
                await channel.QueueDeclareAsync(lockName, durable: false, exclusive: true, autoDelete: false, arguments: null, cancellationToken: cancellationToken);
                return new HeldDeadLetterQueue(channel, queue, lockName);
            }
            catch (OperationInterruptedException exception) when (exception.ShutdownReason?.ReplyCode == Constants.ResourceLocked)
            {
                await channel.DisposeAsync();
            }
            catch
            {
                await channel.DisposeAsync();
                throw;
            }
            if (Stopwatch.GetElapsedTime(started) >= wait)
            {
                return null;
            }
            await Task.Delay(s_retryLock, cancellationToken);
        }
    }

    /// <summary>
    /// Reads from the head, in order, the messages that were in the queue when the scan began, up to <paramref name="max"/>.
    /// <paramref name="visit"/> answers true to remove a message (after doing what it must with it, e.g. a confirmed
    /// publish), false to keep it; kept messages return to their places when the scan ends. Messages that arrive during
    /// the scan (a replayed one that failed again) are left for the next call.
    /// </summary>
    public async Task<ScanResult> ScanAsync(long max, Func<BasicGetResult, Task<bool>> visit, CancellationToken cancellationToken)
    {
        var read = 0;
        var kept = 0;
        long? present = null;
        uint unread = 0;
        ulong? highestKept = null;
        ulong? inHand = null;
        try
        {
            while (read < Math.Min(max, present ?? max) && !cancellationToken.IsCancellationRequested)
            {
                var delivery = await _channel.BasicGetAsync(Queue.Name, autoAck: false, cancellationToken);
                if (delivery is null)
                {
                    unread = 0;
                    break;
                }
                // The count a get reports is taken in order with earlier requeues; a queue.declare's count may run
                // ahead of them, so it cannot bound a scan.
                present ??= delivery.MessageCount + 1L;
                unread = delivery.MessageCount;
                read++;
                inHand = delivery.DeliveryTag;
                if (await visit(delivery))
                {
                    // Not cancellable: once a replay is confirmed, its original must go, or it would exist twice.
                    await _channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, CancellationToken.None);
                }
                else
                {
                    highestKept = delivery.DeliveryTag;
                    kept++;
                }
                inHand = null;
            }
            return new ScanResult(read, kept + unread);
        }
        finally
        {
            // Everything still unacknowledged up to this tag: the kept messages, and one whose visit failed.
            if ((inHand ?? highestKept) is { } tag && _channel.IsOpen)
            {
                await _channel.BasicNackAsync(tag, multiple: true, requeue: true, CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// Sends <paramref name="delivery"/> to the endpoint's queue (the default exchange routes by queue name, so only this
    /// service's endpoint receives it, not every subscriber of its type) and returns once the broker confirmed it.
    /// MassTransit's fault headers are left out, so a second failure is described afresh.
    /// </summary>
    public async Task ReplayAsync(BasicGetResult delivery)
    {
        var properties = new BasicProperties(delivery.BasicProperties);
        if (properties.Headers is { } headers)
        {
            properties.Headers = headers
                .Where(h => !h.Key.StartsWith(DeadLetterMessage.FaultHeaderPrefix, StringComparison.Ordinal) && h.Key != DeadLetterMessage.ReasonHeader)
                .ToDictionary(h => h.Key, h => h.Value, StringComparer.Ordinal);
        }
        await _channel.BasicPublishAsync(exchange: "", routingKey: Queue.Endpoint, mandatory: true, properties, delivery.Body, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_channel.IsOpen)
            {
                await _channel.QueueDeleteAsync(_lockName, ifUnused: false, ifEmpty: false, cancellationToken: CancellationToken.None);
            }
        }
        catch (Exception exception) when (exception is OperationInterruptedException or IOException)
        {
            // The lock goes with the connection, which the caller closes next.
        }
        await _channel.DisposeAsync();
    }
}

/// <summary>How many messages a scan read, and how many the queue holds once it ends (kept ones and unread ones).</summary>
internal readonly record struct ScanResult(int Read, long Remaining);
