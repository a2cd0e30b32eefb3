using System.Collections.Concurrent;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Alle.EndToEndTests.NorthStar;

/// <summary>
/// Copies every <c>AudienceMembershipChanged</c> Audiences publishes (the MassTransit envelope as sent) from a private
/// queue, and can put one back on the exchange as the broker would redeliver it to every consumer.
/// </summary>
internal sealed class AudienceChangesTap : IAsyncDisposable
{
    private const string Exchange = "Alle.Contracts:AudienceMembershipChanged";
    private readonly ConcurrentQueue<(JsonElement Message, byte[] Body, IReadOnlyBasicProperties Properties)> _received = new();
    private IConnection _connection = null!;
    private IChannel _channel = null!;

    public static async Task<AudienceChangesTap> StartAsync(DistributedAppFixture app)
    {
        var tap = new AudienceChangesTap();
        tap._connection = await new ConnectionFactory { Uri = new Uri(app.ConnectionString("eventbus")) }.CreateConnectionAsync();
        tap._channel = await tap._connection.CreateChannelAsync();
        await tap._channel.ExchangeDeclareAsync(Exchange, ExchangeType.Fanout, durable: true);
        var queue = (await tap._channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        await tap._channel.QueueBindAsync(queue, Exchange, "");
        var consumer = new AsyncEventingBasicConsumer(tap._channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            var body = delivery.Body.ToArray();
            tap._received.Enqueue((JsonDocument.Parse(body).RootElement.GetProperty("message").Clone(), body, delivery.BasicProperties));
            return Task.CompletedTask;
        };
        await tap._channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        return tap;
    }

    /// <summary>The <paramref name="occurrence"/>-th change of this kind Audiences published for the member, once it has been.</summary>
    public Task<JsonElement> WaitForAsync(string userId, string audienceKey, bool entered, int occurrence = 1) =>
        Eventually.GetValueAsync(() => Task.FromResult(Changes(userId, audienceKey, entered).Skip(occurrence - 1).Select(r => (JsonElement?)r.Message).FirstOrDefault()),
            Platform.Timeout, $"AudienceMembershipChanged #{occurrence} ({(entered ? "entered" : "exited")} {audienceKey})");

    /// <summary>Publishes the recorded change again, unchanged: every consumer receives it a second time.</summary>
    public async Task RedeliverAsync(string userId, string audienceKey, bool entered)
    {
        var (_, body, properties) = Changes(userId, audienceKey, entered).First();
        await _channel.BasicPublishAsync(Exchange, "", mandatory: false, new BasicProperties(properties), body);
    }

    private IEnumerable<(JsonElement Message, byte[] Body, IReadOnlyBasicProperties Properties)> Changes(string userId, string audienceKey, bool entered) =>
        _received.Where(r => r.Message.GetProperty("userId").GetString() == userId && r.Message.GetProperty("audienceKey").GetString() == audienceKey
            && r.Message.GetProperty("entered").GetBoolean() == entered);

    public async ValueTask DisposeAsync()
    {
        await _channel.CloseAsync();
        await _connection.CloseAsync();
        _channel.Dispose();
        _connection.Dispose();
    }
}
