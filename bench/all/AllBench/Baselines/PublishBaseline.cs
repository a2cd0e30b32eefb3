using System.Diagnostics;
using RabbitMQ.Client;

namespace Alle.Bench.All.Baselines;

/// <summary>
/// The broker's ceiling on this machine in this run: persistent messages per second published to a scratch queue on
/// the application's RabbitMQ with publisher confirms, each counted once confirmed, up to 256 awaiting their confirm
/// at a time (as an outbox relay publishes). Messages are the size of one tracked event in an envelope (~1 KB). The
/// queue is deleted afterwards.
/// </summary>
internal static class PublishBaseline
{
    private const int InFlight = 256;

    public static async Task<double> MessagesPerSecondAsync(string eventBus, string queueType, TimeSpan duration)
    {
        var factory = new ConnectionFactory { Uri = new Uri(eventBus), ClientProvidedName = "alle-bench-publish-baseline" };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
            publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true, outstandingPublisherConfirmationsRateLimiter: null));
        var queue = $"bench-publish-baseline-{queueType}-{Guid.NewGuid():N}"[..40];
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = queueType });
        try
        {
            var body = new byte[1024];
            Random.Shared.NextBytes(body);
            var properties = new BasicProperties { DeliveryMode = DeliveryModes.Persistent, ContentType = "application/octet-stream" };
            long confirmed = 0;
            var pending = new Queue<Task>();
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < duration)
            {
                pending.Enqueue(channel.BasicPublishAsync("", queue, mandatory: false, properties, body).AsTask());
                while (pending.Count >= InFlight)
                {
                    await pending.Dequeue();
                    confirmed++;
                }
            }
            while (pending.TryDequeue(out var publish))
            {
                await publish;
                confirmed++;
            }
            return confirmed / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            await channel.QueueDeleteAsync(queue);
        }
    }
}
