using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using RabbitMQ.Client;

namespace Alle.IntegrationTests.Platform;

/// <summary>
/// The dead-letter API of one service through the gateway (admin key), and the application's RabbitMQ as MassTransit
/// writes to it: messages straight into an endpoint's queue, or into a dead-letter queue as MassTransit moves them.
/// </summary>
internal sealed class DeadLetterClient(DistributedAppFixture app, string service) : IAsyncDisposable
{
    private IConnection? _connection;

    public string Prefix => $"/api/{service}/dead-letters";

    public async Task<JsonElement> OverviewAsync() => await app.AdminGateway.GetFromJsonAsync<JsonElement>(Prefix);

    public async Task<JsonElement> QueueAsync(string queue) =>
        (await OverviewAsync()).GetProperty("queues").EnumerateArray().Single(q => q.GetProperty("name").GetString() == queue);

    /// <summary>The queue's messages in order, in full.</summary>
    public async Task<IReadOnlyList<JsonElement>> MessagesAsync(string queue, int limit = 500) =>
        [.. (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"{Prefix}/{queue}/messages?limit={limit}")).GetProperty("messages").EnumerateArray()];

    public async Task<IReadOnlyList<string>> MessageIdsAsync(string queue) =>
        [.. (await MessagesAsync(queue)).Select(m => m.GetProperty("messageId").GetString()!)];

    public Task<JsonElement> WaitForMessageAsync(string queue, Guid messageId, Func<JsonElement, bool>? where = null, int seconds = 90) =>
        Eventually.GetValueAsync<JsonElement>(async () => (await MessagesAsync(queue)).FirstOrDefault(m =>
                m.GetProperty("messageId").GetString() == messageId.ToString() && (where is null || where(m))) is { ValueKind: JsonValueKind.Object } found ? found : null,
            TimeSpan.FromSeconds(seconds), $"message {messageId} in {queue}");

    public async Task<JsonElement> ReplayAsync(string queue, params Guid[] messageIds) => await PostAsync(queue, "replay", Selection(messageIds));

    public async Task<JsonElement> DiscardAsync(string queue, params Guid[] messageIds) => await PostAsync(queue, "discard", Selection(messageIds));

    public Task<HttpResponseMessage> PostRawAsync(string queue, string action, string json) =>
        app.AdminGateway.PostAsync($"{Prefix}/{queue}/{action}", new StringContent(json, Encoding.UTF8, "application/json"));

    private async Task<JsonElement> PostAsync(string queue, string action, object selection)
    {
        using var response = await app.AdminGateway.PostAsJsonAsync($"{Prefix}/{queue}/{action}", selection);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static object Selection(Guid[] messageIds) => messageIds.Length == 0 ? new { all = true } : new { messageIds };

    /// <summary>Sends a message in MassTransit's envelope straight to <paramref name="queue"/>, as if published to it.</summary>
    public async Task SendAsync(string queue, Guid messageId, string messageType, object message, IDictionary<string, object?>? headers = null)
    {
        var envelope = new JsonObject
        {
            ["messageId"] = messageId.ToString(),
            ["conversationId"] = Guid.NewGuid().ToString(),
            ["sourceAddress"] = "rabbitmq://localhost/dead-letter-tests",
            ["destinationAddress"] = $"rabbitmq://localhost/{messageType}",
            ["messageType"] = new JsonArray($"urn:message:{messageType}"),
            ["message"] = JsonSerializer.SerializeToNode(message, JsonSerializerOptions.Web),
            ["sentTime"] = DateTimeOffset.UtcNow.ToString("O"),
            ["headers"] = new JsonObject(),
        };
        var connection = _connection ??= await new ConnectionFactory { Uri = new Uri(app.ConnectionString("eventbus")) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        await channel.BasicPublishAsync("", queue, mandatory: true,
            new BasicProperties { MessageId = messageId.ToString(), ContentType = "application/vnd.masstransit+json", DeliveryMode = DeliveryModes.Persistent, Headers = headers },
            Encoding.UTF8.GetBytes(envelope.ToJsonString()));
    }

    /// <summary>Declares a dead-letter queue as MassTransit does when it first moves a message there (durable, its own fanout exchange).</summary>
    public async Task DeclareAsMassTransitDoesAsync(string queue)
    {
        var connection = _connection ??= await new ConnectionFactory { Uri = new Uri(app.ConnectionString("eventbus")) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(queue, ExchangeType.Fanout, durable: true);
        await channel.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        await channel.QueueBindAsync(queue, queue, "");
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.CloseAsync();
            _connection.Dispose();
        }
    }
}
