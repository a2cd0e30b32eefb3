using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Alle.EndToEndTests.Profiles;

/// <summary>
/// A deletion request across the platform: Profiles deletes and suppresses, every service holding personal data deletes
/// and reports, ingestion drops later events carrying the suppressed identifiers.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class PersonalDataDeletionTests(DistributedAppFixture app)
{
    private static readonly string[] s_databases = ["ingestiondb", "warehousedb", "profilesdb", "audiencesdb", "messagingdb", "loyaltydb", "destinationsdb"];

    [Fact]
    public async Task After_a_suppression_an_event_for_the_same_phone_is_dropped_at_ingestion()
    {
        var userId = $"suppressed-{Guid.NewGuid():N}";
        var phone = TestPhones.New();
        var tracking = app.CreateTrackingClient("mobile");
        await TrackAsync(tracking, new { userId, @event = "App Opened", context = PhoneContext(phone) });
        await Eventually.TrueAsync(async () => (await app.AdminGateway.GetAsync($"/api/profiles/lookup?phone={Uri.EscapeDataString(phone)}")).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(20), "the person's profile");

        var regulationId = await RegulateAsync("SUPPRESS_WITH_DELETE", "PHONE", phone);
        await Eventually.TrueAsync(async () => await ProfilesDoneAsync(regulationId), TimeSpan.FromSeconds(20), "the deletion in profiles");

        await using var ingested = await IngestedEvents.ListenAsync(app);
        await Eventually.TrueAsync(async () =>
        {
            var suppressedMessageId = Guid.NewGuid().ToString();
            var markerMessageId = Guid.NewGuid().ToString();
            await TrackAsync(tracking, new { messageId = suppressedMessageId, userId = $"someone-new-{userId}", @event = "App Opened", context = PhoneContext(phone) });
            await TrackAsync(tracking, new { messageId = markerMessageId, userId = $"marker-{userId}", @event = "App Opened" });
            await Eventually.TrueAsync(() => Task.FromResult(ingested.Contains(markerMessageId)), TimeSpan.FromSeconds(20), "the marker event published");
            return !ingested.Contains(suppressedMessageId);
        }, TimeSpan.FromSeconds(60), "ingestion to drop events carrying the suppressed phone");
    }

    [Fact]
    public async Task Once_every_service_has_deleted_nothing_of_the_person_remains_in_any_database()
    {
        var userId = $"forgotten-{Guid.NewGuid():N}";
        var phone = TestPhones.New();
        var email = $"{userId}@example.com";
        var tracking = app.CreateTrackingClient("portal");
        await TrackAsync(tracking, new { userId, @event = "Provider Searched", properties = new { zip = "10001" }, context = new { traits = new { email, phone } } });
        await Eventually.TrueAsync(async () => (await app.AdminGateway.GetAsync($"/api/profiles/lookup?userId={userId}")).StatusCode == HttpStatusCode.OK,
            TimeSpan.FromSeconds(20), "the person's profile");

        var regulationId = await RegulateAsync("SUPPRESS_WITH_DELETE", "USER_ID", userId);
        await Eventually.TrueAsync(async () => (await RegulationAsync(regulationId)).GetProperty("overallStatus").GetString() == "FINISHED",
            TimeSpan.FromSeconds(60), "every service to confirm the deletion");

        foreach (var database in s_databases)
        {
            Assert.Empty(await TablesMentioningAsync(database, [userId, phone, email]));
        }
    }

    private static object PhoneContext(string phone) => new { externalIds = new[] { new { id = phone, type = "phone", collection = "users", encoding = "none" } } };

    private static async Task TrackAsync(HttpClient tracking, object body)
    {
        using var response = await tracking.PostAsJsonAsync("/v1/track", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<string> RegulateAsync(string type, string subjectType, string subject)
    {
        using var response = await app.AdminGateway.PostAsJsonAsync("/api/profiles/regulations", new { regulationType = type, subjectType, subjectIds = new[] { subject } });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data").GetProperty("regulateId").GetString()!;
    }

    private async Task<JsonElement> RegulationAsync(string id) =>
        (await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/profiles/regulations/{id}")).GetProperty("data").GetProperty("regulation");

    private async Task<bool> ProfilesDoneAsync(string regulationId) => (await RegulationAsync(regulationId)).GetProperty("serviceStatus").EnumerateArray()
        .Any(s => s.GetProperty("service").GetString() == "profiles" && s.GetProperty("status").GetString() == "FINISHED");

    /// <summary>Tables of a database holding any of the values as text; suppression lists keep identifiers by design.</summary>
    private async Task<List<string>> TablesMentioningAsync(string database, string[] values)
    {
        await using var dataSource = NpgsqlDataSource.Create(app.ConnectionString(database));
        var tables = new List<string>();
        await using (var list = dataSource.CreateCommand("""
            SELECT format('%I.%I', schemaname, tablename) FROM pg_tables
            WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND tablename NOT LIKE '%suppress%'
            """))
        await using (var reader = await list.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }
        var found = new List<string>();
        foreach (var table in tables)
        {
            await using var search = dataSource.CreateCommand($"SELECT count(*) FROM {table} t WHERE EXISTS (SELECT 1 FROM unnest($1::text[]) v WHERE strpos(t::text, v) > 0)");
            search.Parameters.AddWithValue(values);
            if ((long)(await search.ExecuteScalarAsync())! > 0)
            {
                found.Add($"{database}:{table}");
            }
        }
        return found;
    }

    /// <summary>Message ids of the events ingestion publishes (<c>EventsIngested</c>), read from a private queue.</summary>
    private sealed class IngestedEvents : IAsyncDisposable
    {
        private readonly ConcurrentDictionary<string, byte> _messageIds = new();
        private IConnection _connection = null!;
        private IChannel _channel = null!;

        public bool Contains(string messageId) => _messageIds.ContainsKey(messageId);

        public static async Task<IngestedEvents> ListenAsync(DistributedAppFixture app)
        {
            var listener = new IngestedEvents();
            listener._connection = await new ConnectionFactory { Uri = new Uri(app.ConnectionString("eventbus")) }.CreateConnectionAsync();
            listener._channel = await listener._connection.CreateChannelAsync();
            var queue = (await listener._channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
            await listener._channel.ExchangeDeclareAsync("Alle.Contracts:EventsIngested", ExchangeType.Fanout, durable: true);
            await listener._channel.QueueBindAsync(queue, "Alle.Contracts:EventsIngested", "");
            var consumer = new AsyncEventingBasicConsumer(listener._channel);
            consumer.ReceivedAsync += (_, delivery) =>
            {
                using var envelope = JsonDocument.Parse(delivery.Body);
                foreach (var trackedEvent in envelope.RootElement.GetProperty("message").GetProperty("events").EnumerateArray())
                {
                    listener._messageIds.TryAdd(trackedEvent.GetProperty("messageId").GetString()!, 0);
                }
                return Task.CompletedTask;
            };
            await listener._channel.BasicConsumeAsync(queue, autoAck: true, consumer);
            return listener;
        }

        public async ValueTask DisposeAsync()
        {
            await _channel.CloseAsync();
            await _connection.CloseAsync();
            _channel.Dispose();
            _connection.Dispose();
        }
    }
}
