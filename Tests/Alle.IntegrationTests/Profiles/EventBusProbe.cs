using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Alle.IntegrationTests.Profiles;

/// <summary>
/// Talks to the application's RabbitMQ as another service would: publishes integration events in MassTransit's
/// envelope (e.g. <c>EventsIngested</c> batches, <c>PersonalDataDeleted</c> reports) and records the events Profiles
/// publishes, on a private queue bound to each message type's exchange.
/// </summary>
internal sealed class EventBusProbe : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly ConcurrentQueue<(string Type, JsonElement Message)> _received = new();

    private EventBusProbe(IConnection connection, IChannel channel)
    {
        _connection = connection;
        _channel = channel;
    }

    public static async Task<EventBusProbe> ConnectAsync(DistributedAppFixture app, params string[] listenTo)
    {
        var connection = await new ConnectionFactory { Uri = new Uri(app.ConnectionString("eventbus")) }.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        var probe = new EventBusProbe(connection, channel);
        if (listenTo.Length > 0)
        {
            var queue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
            // Updates published together arrive as ProfilesUpdated: recorded one by one, as the ProfileUpdated they are.
            foreach (var type in listenTo.Contains("ProfileUpdated") ? [.. listenTo, "ProfilesUpdated"] : listenTo)
            {
                await channel.ExchangeDeclareAsync(Exchange(type), ExchangeType.Fanout, durable: true);
                await channel.QueueBindAsync(queue, Exchange(type), "");
            }
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += (_, delivery) =>
            {
                using var envelope = JsonDocument.Parse(delivery.Body);
                var messageType = envelope.RootElement.GetProperty("messageType")[0].GetString()!;
                var type = messageType[(messageType.LastIndexOf(':') + 1)..];
                var message = envelope.RootElement.GetProperty("message");
                if (type == "ProfilesUpdated")
                {
                    foreach (var update in message.GetProperty("updates").EnumerateArray())
                    {
                        probe._received.Enqueue(("ProfileUpdated", update.Clone()));
                    }
                }
                else
                {
                    probe._received.Enqueue((type, message.Clone()));
                }
                return Task.CompletedTask;
            };
            await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        }
        return probe;
    }

    /// <summary>Publishes <paramref name="message"/> (camelCase, as MassTransit serialises) as contract <paramref name="type"/>.</summary>
    public async Task PublishAsync(string type, object message)
    {
        var envelope = new JsonObject
        {
            ["messageId"] = Guid.NewGuid().ToString(),
            ["conversationId"] = Guid.NewGuid().ToString(),
            ["sourceAddress"] = "rabbitmq://localhost/profiles-tests",
            ["destinationAddress"] = $"rabbitmq://localhost/{Exchange(type)}",
            ["messageType"] = new JsonArray($"urn:message:{Exchange(type)}"),
            ["message"] = JsonSerializer.SerializeToNode(message, JsonSerializerOptions.Web),
            ["sentTime"] = DateTimeOffset.UtcNow.ToString("O"),
            ["headers"] = new JsonObject(),
        };
        await _channel.ExchangeDeclareAsync(Exchange(type), ExchangeType.Fanout, durable: true);
        await _channel.BasicPublishAsync(Exchange(type), "", mandatory: false,
            new BasicProperties { ContentType = "application/vnd.masstransit+json", DeliveryMode = DeliveryModes.Persistent },
            Encoding.UTF8.GetBytes(envelope.ToJsonString()));
    }

    /// <summary>Publishes tracked events as one <c>EventsIngested</c> message, as ingestion does per accepted request.</summary>
    public Task PublishEventsAsync(params object[] events) =>
        PublishAsync("EventsIngested", new { batchId = Guid.NewGuid(), sourceId = "profiles-tests", events });

    public IReadOnlyList<JsonElement> Received(string type, Func<JsonElement, bool>? where = null) =>
        [.. _received.Where(r => r.Type == type && (where is null || where(r.Message))).Select(r => r.Message)];

    public Task<JsonElement> WaitForAsync(string type, Func<JsonElement, bool> where, string what, int seconds = 20) =>
        Eventually.GetValueAsync(() => Task.FromResult(Received(type, where) is [var first, ..] ? first : (JsonElement?)null),
            TimeSpan.FromSeconds(seconds), what);

    private static string Exchange(string type) => $"Alle.Contracts:{type}";

    public async ValueTask DisposeAsync()
    {
        await _channel.CloseAsync();
        await _connection.CloseAsync();
        _channel.Dispose();
        _connection.Dispose();
    }
}

/// <summary>Builds tracked events in the contract's shape (<c>TrackedEvent</c>), as ingestion would publish them.</summary>
internal static class Events
{
    /// <summary>The source of every event these tests publish; timelines also hold what other services add.</summary>
    public const string SourceId = "profiles-tests";

    /// <summary>The timeline entries of a Profile API events page that these tests published themselves.</summary>
    public static IEnumerable<JsonElement> Sent(JsonElement page) =>
        page.GetProperty("data").EnumerateArray().Where(e => e.GetProperty("source_id").GetString() == SourceId);

    public static object Identify(string? userId, object traits, string? anonymousId = null, DateTimeOffset? timestamp = null, object? context = null, string? messageId = null) =>
        Make("identify", userId, anonymousId, traits: traits, timestamp: timestamp, context: context, messageId: messageId);

    public static object Track(string? userId, string eventName, object? properties = null, string? anonymousId = null, object? context = null,
        DateTimeOffset? timestamp = null, string? messageId = null) =>
        Make("track", userId, anonymousId, eventName: eventName, properties: properties, context: context, timestamp: timestamp, messageId: messageId);

    public static object Group(string userId, string groupId) => Make("group", userId, null, groupId: groupId);

    public static object Alias(string userId, string previousId) => Make("alias", userId, null, previousId: previousId);

    /// <summary>A Segment external id for a phone, as services that only know the phone send it.</summary>
    public static object PhoneContext(string phone) => new { externalIds = new[] { new { id = phone, type = "phone", collection = "users", encoding = "none" } } };

    private static object Make(string type, string? userId, string? anonymousId, string? eventName = null, object? properties = null, object? traits = null,
        object? context = null, string? groupId = null, string? previousId = null, DateTimeOffset? timestamp = null, string? messageId = null)
    {
        var now = DateTimeOffset.UtcNow;
        return new
        {
            sourceId = SourceId,
            messageId = messageId ?? Guid.NewGuid().ToString(),
            type,
            userId,
            anonymousId,
            @event = eventName,
            name = (string?)null,
            groupId,
            previousId,
            properties,
            traits,
            context,
            integrations = (object?)null,
            timestamp = timestamp ?? now,
            originalTimestamp = (DateTimeOffset?)null,
            sentAt = (DateTimeOffset?)null,
            receivedAt = now,
        };
    }

    public static string MessageId(object trackedEvent) => (string)trackedEvent.GetType().GetProperty("messageId")!.GetValue(trackedEvent)!;
}
