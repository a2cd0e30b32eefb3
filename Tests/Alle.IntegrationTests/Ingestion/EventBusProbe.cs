using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Alle.IntegrationTests.Ingestion;

/// <summary>
/// Publishes integration events onto the application's RabbitMQ as another service would (MassTransit's JSON envelope
/// on the message type's fanout exchange) and listens to the ones a service publishes, through a temporary queue.
/// </summary>
internal sealed class EventBusProbe : IAsyncDisposable
{
    private const string EnvelopeContentType = "application/vnd.masstransit+json";
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly ConcurrentQueue<JsonElement> _received = new();

    private EventBusProbe(IConnection connection, IChannel channel)
    {
        _connection = connection;
        _channel = channel;
    }

    public static async Task<EventBusProbe> ConnectAsync(DistributedAppFixture app)
    {
        var factory = new ConnectionFactory { Uri = new Uri(app.ConnectionString("eventbus")) };
        var connection = await factory.CreateConnectionAsync("ingestion-tests");
        return new EventBusProbe(connection, await connection.CreateChannelAsync());
    }

    private static string Exchange(string messageType) => $"Alle.Contracts:{messageType}";

    public async Task PublishAsync(string messageType, object message)
    {
        await _channel.ExchangeDeclareAsync(Exchange(messageType), ExchangeType.Fanout, durable: true);
        var envelope = new
        {
            messageId = Guid.NewGuid(),
            messageType = new[] { $"urn:message:{Exchange(messageType)}" },
            message,
            sentTime = DateTimeOffset.UtcNow,
        };
        var properties = new BasicProperties { ContentType = EnvelopeContentType, Persistent = true };
        await _channel.BasicPublishAsync(Exchange(messageType), "", mandatory: false, properties, JsonSerializer.SerializeToUtf8Bytes(envelope, JsonSerializerOptions.Web));
    }

    /// <summary>Starts receiving every message of this type published from now on.</summary>
    public async Task ListenAsync(string messageType)
    {
        await _channel.ExchangeDeclareAsync(Exchange(messageType), ExchangeType.Fanout, durable: true);
        var queue = await _channel.QueueDeclareAsync(exclusive: true, autoDelete: true);
        await _channel.QueueBindAsync(queue.QueueName, Exchange(messageType), "");
        var consumer = new AsyncEventingBasicConsumer(_channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            var envelope = JsonDocument.Parse(Encoding.UTF8.GetString(delivery.Body.Span)).RootElement;
            _received.Enqueue(envelope.GetProperty("message").Clone());
            return Task.CompletedTask;
        };
        await _channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer);
    }

    /// <summary>The first received message that matches.</summary>
    public Task<JsonElement> ReceiveAsync(Func<JsonElement, bool> match, string what) =>
        Eventually.GetValueAsync(() => Task.FromResult<JsonElement?>(_received.FirstOrDefault(match) is { ValueKind: JsonValueKind.Object } found ? found : null),
            TimeSpan.FromSeconds(30), what);

    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
