using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Alle.IntegrationTests.Destinations;

/// <summary>
/// Events from a source of the test's own, tracked through the gateway, delivered to a real HTTP receiver on 127.0.0.1:
/// the Segment event signed with the destination's secret, retries of 5xx and 429 (Retry-After honoured), final 4xx
/// failures, dead letters replayed, and consent. The application's retries start at 100 ms here (the test fixture's
/// setting), so nothing waits for the 5-second production backoff.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class WebhookDeliveryTests(DistributedAppFixture app) : IAsyncLifetime
{
    private readonly DestinationsClient _destinations = new(app);
    private readonly List<Guid> _created = [];
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var id in _created)
        {
            await _destinations.DeleteAsync(id);
        }
        await _receiver.DisposeAsync();
    }

    private async Task<(CreatedDestination Destination, HttpClient Tracking)> ConnectedWebhookAsync(object? delivery = null, string[]? consentCategories = null)
    {
        var (source, tracking) = await _destinations.CreateSourceAsync("dst-webhook");
        var destination = await _destinations.CreateAsync(DestinationsClient.Webhook($"{_receiver.Url}/hooks/segment", delivery, consentCategories,
            settings: new { url = $"{_receiver.Url}/hooks/segment", headers = new Dictionary<string, string> { ["X-Team"] = "crm" } }), source);
        _created.Add(destination.Id);
        return (destination, tracking);
    }

    private static string NewMessageId() => $"dst-{Guid.NewGuid():N}";

    [Fact]
    public async Task A_tracked_event_is_posted_as_segments_event_json_with_a_valid_signature_of_the_raw_body()
    {
        var (destination, tracking) = await ConnectedWebhookAsync();
        var messageId = NewMessageId();

        await DestinationsClient.TrackAsync(tracking, new { messageId, userId = "webhook-user", @event = "Order Completed", properties = new { total = 42.5, sku = "BTX-1" } });

        var request = Assert.Single(await Eventually.GetAsync(async () => _receiver.For(messageId) is { Count: > 0 } found ? found : null,
            TimeSpan.FromSeconds(30), "the event at the receiver"));
        var expectedSha1 = Convert.ToHexStringLower(HMACSHA1.HashData(Encoding.UTF8.GetBytes(destination.Secret), request.Body));
        var expectedSha256 = "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(destination.Secret), request.Body));
        Assert.Equal(expectedSha1, request.Header("X-Signature"));
        Assert.Equal(expectedSha256, request.Header("X-Signature-256"));
        Assert.Equal(("POST", "/hooks/segment"), (request.Method, request.Path));
        Assert.Equal("crm", request.Header("X-Team"));
        Assert.StartsWith("application/json", request.Header("Content-Type"), StringComparison.Ordinal);
        var body = request.Json;
        Assert.Equal("track", body.GetProperty("type").GetString());
        Assert.Equal("Order Completed", body.GetProperty("event").GetString());
        Assert.Equal("webhook-user", body.GetProperty("userId").GetString());
        Assert.Equal(42.5m, body.GetProperty("properties").GetProperty("total").GetDecimal());
        Assert.True(body.TryGetProperty("receivedAt", out _) && body.TryGetProperty("context", out _) && body.TryGetProperty("timestamp", out _));

        var delivered = await _destinations.WaitForStatusAsync(destination.Id, messageId, "delivered");
        Assert.Equal(1, delivered.GetProperty("attempts").GetInt32());
        var attempt = Assert.Single(await _destinations.LogAsync(destination.Id, messageId));
        Assert.Equal(("delivered", 200), (attempt.GetProperty("outcome").GetString(), attempt.GetProperty("statusCode").GetInt32()));
        // The secret is given out once: afterwards only its last characters are shown.
        var shown = await _destinations.GetAsync($"/api/destinations/{destination.Id}");
        Assert.Equal("…" + destination.Secret[^4..], shown.GetProperty("secretHint").GetString());
        Assert.DoesNotContain(destination.Secret, shown.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_receiver_answering_500_then_200_gets_the_event_again_and_it_is_delivered_once()
    {
        var (destination, tracking) = await ConnectedWebhookAsync();
        var messageId = NewMessageId();
        _receiver.AnswerWith((request, _) => _receiver.For(messageId).Count == 0 && request.Events.Any(e => e.GetProperty("messageId").GetString() == messageId)
            ? new ReceiverAnswer(500, """{"error":"temporarily broken"}""")
            : ReceiverAnswer.Ok);

        await DestinationsClient.TrackAsync(tracking, new { messageId, userId = "retry-user", @event = "Retried" });

        var delivered = await _destinations.WaitForStatusAsync(destination.Id, messageId, "delivered");
        Assert.Equal(2, delivered.GetProperty("attempts").GetInt32());
        var requests = _receiver.For(messageId);
        Assert.Equal(2, requests.Count);
        Assert.Equal(requests[0].Body, requests[1].Body);
        var log = await _destinations.LogAsync(destination.Id, messageId);
        Assert.Equal([("retry", 500), ("delivered", 200)], log.Select(a => (a.GetProperty("outcome").GetString(), a.GetProperty("statusCode").GetInt32())));
        Assert.Contains("temporarily broken", log[0].GetProperty("responseBody").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_429_is_retried_no_sooner_than_its_retry_after_asks()
    {
        var (destination, tracking) = await ConnectedWebhookAsync();
        var messageId = NewMessageId();
        _receiver.AnswerWith((request, _) => _receiver.For(messageId).Count == 0 && request.Events.Any(e => e.GetProperty("messageId").GetString() == messageId)
            ? new ReceiverAnswer(429, Headers: new Dictionary<string, string> { ["Retry-After"] = "2" })
            : ReceiverAnswer.Ok);

        await DestinationsClient.TrackAsync(tracking, new { messageId, userId = "slow-down-user", @event = "Throttled" });

        await _destinations.WaitForStatusAsync(destination.Id, messageId, "delivered");
        var requests = _receiver.For(messageId);
        Assert.Equal(2, requests.Count);
        // The backoff alone would have tried again after 50–100 ms.
        Assert.True(requests[1].At - requests[0].At >= TimeSpan.FromSeconds(1.9), $"retried after {(requests[1].At - requests[0].At).TotalMilliseconds:0} ms");
        Assert.Equal(429, (await _destinations.LogAsync(destination.Id, messageId))[0].GetProperty("statusCode").GetInt32());
    }

    [Fact]
    public async Task A_400_is_a_final_failure_recorded_with_the_response_and_never_retried()
    {
        var (destination, tracking) = await ConnectedWebhookAsync();
        var messageId = NewMessageId();
        _receiver.AnswerWith((_, _) => new ReceiverAnswer(400, """{"error":"unknown field sku"}"""));

        await DestinationsClient.TrackAsync(tracking, new { messageId, userId = "rejected-user", @event = "Rejected" });

        var failed = await _destinations.WaitForStatusAsync(destination.Id, messageId, "failed");
        Assert.Equal((1, 400), (failed.GetProperty("attempts").GetInt32(), failed.GetProperty("lastStatusCode").GetInt32()));
        var attempt = Assert.Single(await _destinations.LogAsync(destination.Id, messageId));
        Assert.Equal("failed", attempt.GetProperty("outcome").GetString());
        Assert.Contains("unknown field sku", attempt.GetProperty("responseBody").GetString(), StringComparison.Ordinal);
        var letter = (await _destinations.GetAsync($"/api/destinations/{destination.Id}/dead-letters")).GetProperty("data").EnumerateArray()
            .Single(l => l.GetProperty("messageId").GetString() == messageId);
        Assert.Equal("rejected", letter.GetProperty("reason").GetString());
        Assert.Single(_receiver.For(messageId));
        Assert.True((await _destinations.TotalsAsync(destination.Id)).GetProperty("failed").GetInt64() >= 1);
    }

    [Fact]
    public async Task An_event_still_failing_when_its_retry_window_ends_is_dead_lettered_and_a_replay_delivers_it()
    {
        var (destination, tracking) = await ConnectedWebhookAsync(delivery: new { retryWindowSeconds = 1 });
        var messageId = NewMessageId();
        _receiver.AnswerWith((_, _) => new ReceiverAnswer(503));

        await DestinationsClient.TrackAsync(tracking, new { messageId, userId = "dead-letter-user", @event = "Dead Lettered" });

        var dead = await _destinations.WaitForStatusAsync(destination.Id, messageId, "dead");
        var attempts = dead.GetProperty("attempts").GetInt32();
        Assert.True(attempts >= 2, $"{attempts} attempts before dead-lettering");
        var letter = (await _destinations.GetAsync($"/api/destinations/{destination.Id}/dead-letters")).GetProperty("data").EnumerateArray()
            .Single(l => l.GetProperty("messageId").GetString() == messageId);
        Assert.Equal("retries_exhausted", letter.GetProperty("reason").GetString());
        Assert.Equal("Dead Lettered", letter.GetProperty("event").GetProperty("event").GetString());

        _receiver.AnswerWith((_, _) => ReceiverAnswer.Ok);
        using var replay = await _destinations.Admin.PostAsJsonAsync($"/api/destinations/{destination.Id}/dead-letters/replay", new { ids = new[] { letter.GetProperty("id").GetInt64() } });
        Assert.Equal(1, (await replay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("replayed").GetInt32());

        await _destinations.WaitForStatusAsync(destination.Id, messageId, "delivered");
        var requests = _receiver.For(messageId);
        Assert.Equal(attempts + 1, requests.Count);
        Assert.All(requests, r => Assert.Equal(requests[0].Body, r.Body));
        Assert.DoesNotContain((await _destinations.GetAsync($"/api/destinations/{destination.Id}/dead-letters")).GetProperty("data").EnumerateArray(),
            l => l.GetProperty("messageId").GetString() == messageId);
        Assert.True((await _destinations.TotalsAsync(destination.Id)).GetProperty("deadLettered").GetInt64() >= 1);
    }

    [Fact]
    public async Task Consent_denied_by_the_event_or_by_the_persons_stored_preference_blocks_delivery_and_is_counted()
    {
        var (destination, tracking) = await ConnectedWebhookAsync(consentCategories: ["advertising"]);
        var at = DateTimeOffset.UtcNow;
        object Consent(bool advertising) => new { consent = new { categoryPreferences = new { advertising, analytics = true } } };
        var deniedByEvent = NewMessageId();
        var granted = NewMessageId();
        var deniedByStoredPreference = NewMessageId();
        var noPreferenceKnown = NewMessageId();
        var refuser = $"consent-no-{Guid.NewGuid():N}";

        await DestinationsClient.BatchAsync(tracking,
        [
            new { type = "track", messageId = deniedByEvent, userId = refuser, @event = "Ad Clicked", context = Consent(false), timestamp = at },
            new { type = "track", messageId = granted, userId = "consent-yes", @event = "Ad Clicked", context = Consent(true), timestamp = at },
            new { type = "track", messageId = deniedByStoredPreference, userId = refuser, @event = "Ad Clicked", timestamp = at.AddSeconds(1) },
            new { type = "track", messageId = noPreferenceKnown, userId = $"consent-unknown-{Guid.NewGuid():N}", @event = "Ad Clicked", timestamp = at.AddSeconds(1) },
        ]);

        await _destinations.WaitForStatusAsync(destination.Id, granted, "delivered");
        await _destinations.WaitForStatusAsync(destination.Id, noPreferenceKnown, "delivered");
        foreach (var blocked in new[] { deniedByEvent, deniedByStoredPreference })
        {
            var row = await _destinations.WaitForStatusAsync(destination.Id, blocked, "consent_blocked");
            Assert.Equal("consent:advertising", row.GetProperty("reason").GetString());
            Assert.Empty(_receiver.For(blocked));
        }
        Assert.Equal(2, (await _destinations.TotalsAsync(destination.Id)).GetProperty("consentBlocked").GetInt64());
        Assert.Single(_receiver.For(granted));

        // Her part of "download my data": the consent she sent and what became of her events here.
        var export = await _destinations.GetAsync($"/api/destinations/members/{refuser}/export");
        Assert.False(export.GetProperty("consent").GetProperty("categoryPreferences").GetProperty("advertising").GetBoolean());
        var deliveries = export.GetProperty("deliveries").EnumerateArray().ToList();
        Assert.Equal(new[] { deniedByEvent, deniedByStoredPreference }.Order(StringComparer.Ordinal),
            deliveries.Select(d => d.GetProperty("messageId").GetString()!).Order(StringComparer.Ordinal));
        Assert.All(deliveries, d => Assert.Equal((destination.Id, "consent_blocked"), (d.GetProperty("destinationId").GetGuid(), d.GetProperty("status").GetString())));
    }
}
