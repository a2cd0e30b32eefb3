using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using RabbitMQ.Client;

namespace Alle.IntegrationTests.Loyalty;

/// <summary>The callers of the Loyalty API as the tests need them: admin, provider desk, members with their tokens.</summary>
internal sealed class LoyaltyTestClient(DistributedAppFixture app)
{
    public const string Provider = "prv_chelsea_skin";
    public const string OtherProvider = "prv_hudson_aesthetics";

    public HttpClient Admin => app.AdminGateway;

    public HttpClient ProviderDesk { get; } = Authorized(app, app.Parameter("provider-key"));

    public HttpClient AsMember(string token) => Authorized(app, token);

    public static string NewPhone() => TestPhones.New("201");

    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    public async Task<Enrolled> EnrolAsync(string? phone = null, bool marketingConsent = true)
    {
        using var response = await Admin.PostAsJsonAsync("/api/loyalty/members", EnrolmentBody(phone ?? NewPhone(), marketingConsent));
        Assert.True(response.StatusCode is HttpStatusCode.Created or HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var token = body.GetProperty("token").GetString()!;
        return new Enrolled(body.GetProperty("memberId").GetString()!, token, AsMember(token), body);
    }

    public static object EnrolmentBody(string phone, bool marketingConsent = true) => new
    {
        phone, firstName = "Avery", lastName = "Quinn", email = $"avery.{Guid.NewGuid():N}@example.com", birthday = "1988-04-12", zip = "10001",
        marketingConsent, consentWording = "Yes, text me offers. Reply STOP to cancel.", source = "portal",
    };

    public async Task<JsonElement> PurchaseAsync(string memberId, string purchaseId, params (string Product, decimal Amount)[] treatments)
    {
        using var response = await ProviderDesk.PostAsJsonAsync($"/api/loyalty/providers/{Provider}/purchases", PurchaseBody(memberId, purchaseId, treatments));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    public static object PurchaseBody(string memberId, string purchaseId, params (string Product, decimal Amount)[] treatments) => new
    {
        purchaseId, memberId, treatments = treatments.Select(t => new { product = t.Product, amount = t.Amount }),
    };

    /// <summary>Goodwill points, available at once (the pending hold is 48 hours in the running application).</summary>
    public async Task GrantAvailablePointsAsync(string memberId, int points)
    {
        using var response = await Admin.PostAsJsonAsync($"/api/loyalty/members/{memberId}/adjustments",
            new { adjustmentId = NewId("adj"), points, reason = "Service recovery" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    public async Task<JsonElement> BalanceAsync(HttpClient member, string memberId) =>
        await member.GetFromJsonAsync<JsonElement>($"/api/loyalty/members/{memberId}/points");

    public async Task<Guid> CreateOfferAsync(object offer, string path = "/api/loyalty/offers")
    {
        using var response = await Admin.PostAsJsonAsync(path, offer);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("offerId").GetGuid();
    }

    /// <summary>The member's events on her profile (Profile API), once <paramref name="until"/> holds for them.</summary>
    public async Task<List<JsonElement>> EventsAsync(string memberId, Func<List<JsonElement>, bool> until, string what, TimeSpan? timeout = null) =>
        await Eventually.GetAsync(async () =>
        {
            using var response = await Admin.GetAsync($"/api/profiles/v1/spaces/default/collections/users/profiles/user_id:{memberId}/events?limit=100");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                return null;
            }
            var events = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data").EnumerateArray().ToList();
            return until(events) ? events : null;
        }, timeout ?? TimeSpan.FromSeconds(30), what);

    public static IEnumerable<JsonElement> Named(IEnumerable<JsonElement> events, string name) =>
        events.Where(e => e.TryGetProperty("event", out var value) && value.GetString() == name);

    public static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? type = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"Expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.StartsWith("application/problem+json", response.Content.Headers.ContentType?.MediaType ?? "", StringComparison.Ordinal);
        if (type is not null)
        {
            Assert.Equal(type, JsonDocument.Parse(text).RootElement.GetProperty("type").GetString());
        }
    }

    public async Task<long> CountAsync(string sql, params object[] arguments)
    {
        await using var connection = new Npgsql.NpgsqlConnection(app.ConnectionString("loyaltydb"));
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        foreach (var argument in arguments)
        {
            command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = argument });
        }
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Publishes an integration event on the bus as MassTransit would (envelope on the message type's exchange).</summary>
    public async Task PublishAsync(string messageType, object message)
    {
        var factory = new ConnectionFactory { Uri = new Uri(app.ConnectionString("eventbus")) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var exchange = $"Alle.Contracts:{messageType}";
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true);
        var envelope = new
        {
            messageId = Guid.NewGuid(),
            messageType = new[] { $"urn:message:Alle.Contracts:{messageType}" },
            message,
            sentTime = DateTimeOffset.UtcNow,
            headers = new { },
        };
        var properties = new BasicProperties { ContentType = "application/vnd.masstransit+json", Persistent = true, MessageId = envelope.messageId.ToString() };
        await channel.BasicPublishAsync(exchange, "", mandatory: false, properties, JsonSerializer.SerializeToUtf8Bytes(envelope, JsonSerializerOptions.Web));
    }

    /// <summary>Listens to an integration event type until disposed; <see cref="BusListener.NextAsync"/> returns the next message body.</summary>
    public async Task<BusListener> ListenAsync(string messageType)
    {
        var factory = new ConnectionFactory { Uri = new Uri(app.ConnectionString("eventbus")) };
        var connection = await factory.CreateConnectionAsync();
        var channel = await connection.CreateChannelAsync();
        var exchange = $"Alle.Contracts:{messageType}";
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true);
        var queue = await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true);
        await channel.QueueBindAsync(queue.QueueName, exchange, "");
        return new BusListener(connection, channel, queue.QueueName);
    }

    private static HttpClient Authorized(DistributedAppFixture app, string credential)
    {
        var client = app.CreateClient("gateway");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        return client;
    }
}

internal sealed record Enrolled(string MemberId, string Token, HttpClient Client, JsonElement Response);

internal sealed class BusListener(IConnection connection, IChannel channel, string queue) : IAsyncDisposable
{
    /// <summary>The next message whose <c>message</c> satisfies <paramref name="match"/>.</summary>
    public Task<JsonElement> NextAsync(Func<JsonElement, bool> match, string what) => Eventually.GetValueAsync(async () =>
    {
        while (await channel.BasicGetAsync(queue, autoAck: true) is { } delivery)
        {
            var message = JsonDocument.Parse(Encoding.UTF8.GetString(delivery.Body.Span)).RootElement.GetProperty("message").Clone();
            if (match(message))
            {
                return message;
            }
        }
        return (JsonElement?)null;
    }, TimeSpan.FromSeconds(30), what);

    public async ValueTask DisposeAsync()
    {
        await channel.DisposeAsync();
        await connection.DisposeAsync();
    }
}
