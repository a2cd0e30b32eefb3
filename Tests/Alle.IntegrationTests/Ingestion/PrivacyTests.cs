using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Alle.IntegrationTests.Ingestion;

[Collection(StackCollection.Name)]
public sealed class PrivacyTests(DistributedAppFixture app)
{
    private readonly WarehouseQueries _warehouse = new(app);

    [Fact]
    public async Task Events_carrying_a_suppressed_identifier_are_dropped_at_ingestion_until_unsuppressed()
    {
        await using var bus = await EventBusProbe.ConnectAsync(app);
        var tracking = app.CreateTrackingClient("portal");
        var suffix = Random.Shared.Next(1000, 9999);
        var phone = $"+1555555{suffix}";
        var regulation = $"reg-{Guid.NewGuid():N}";
        await bus.PublishAsync("SubjectsSuppressed", new
        {
            regulationId = regulation,
            subjects = new[] { new { type = "phone", value = phone }, new { type = "email", value = $"hidden{suffix}@example.com" } },
            suppressed = true,
            at = DateTimeOffset.UtcNow,
        });

        // Phone written as a person types it, e-mail in another case: both are recognised.
        var suppressedCall = new { userId = $"user-{Guid.NewGuid():N}", @event = "Provider Searched", context = new { traits = new { phone = $"(555) 555-{suffix}" } } };
        string? dropped = null;
        await Eventually.TrueAsync(async () =>
        {
            dropped = Guid.NewGuid().ToString();
            await tracking.PostAsJsonAsync("/v1/track", new { messageId = dropped, suppressedCall.userId, suppressedCall.@event, suppressedCall.context });
            var report = await app.AdminGateway.GetFromJsonAsync<JsonElement>("/api/ingestion/sources/portal/rejected?reason=suppressed&limit=500");
            return report.GetProperty("recent").EnumerateArray().Any(r => r.GetProperty("messageId").GetString() == dropped);
        }, TimeSpan.FromSeconds(30), "a suppressed person's event to be dropped");
        var byEmail = Guid.NewGuid().ToString();
        await tracking.PostAsJsonAsync("/v1/identify", new { messageId = byEmail, anonymousId = $"anon-{Guid.NewGuid():N}", traits = new { email = $" Hidden{suffix}@Example.com" } });

        await bus.PublishAsync("SubjectsSuppressed", new { regulationId = regulation, subjects = new[] { new { type = "phone", value = phone } }, suppressed = false, at = DateTimeOffset.UtcNow });
        var sentAfterUnsuppress = new List<string>();
        await Eventually.TrueAsync(async () =>
        {
            var messageId = Guid.NewGuid().ToString();
            sentAfterUnsuppress.Add(messageId);
            await tracking.PostAsJsonAsync("/v1/track", new { messageId, suppressedCall.userId, suppressedCall.@event, suppressedCall.context });
            return await _warehouse.CountAsync("SELECT count(*) FROM tracks WHERE id = ANY($1)", (object)sentAfterUnsuppress.ToArray()) > 0;
        }, TimeSpan.FromSeconds(30), "the unsuppressed person's events to be accepted again");

        var rejected = await app.AdminGateway.GetFromJsonAsync<JsonElement>("/api/ingestion/sources/portal/rejected?reason=suppressed&limit=500");
        var recent = rejected.GetProperty("recent").EnumerateArray().ToList();
        Assert.Contains(recent, r => r.GetProperty("messageId").GetString() == byEmail);
        Assert.All(recent, r => Assert.Equal(JsonValueKind.Null, r.GetProperty("payload").ValueKind));
        Assert.Equal(0, await _warehouse.CountAsync("SELECT count(*) FROM tracks WHERE id = $1", dropped!));
        Assert.Equal(0, await _warehouse.CountAsync("SELECT count(*) FROM identifies WHERE id = $1", byEmail));
    }

    [Fact]
    public async Task Deleting_a_profile_deletes_its_warehouse_rows_and_reports_the_count()
    {
        await using var bus = await EventBusProbe.ConnectAsync(app);
        await bus.ListenAsync("PersonalDataDeleted");
        var tracking = app.CreateTrackingClient("portal");
        var userId = $"user-{Guid.NewGuid():N}";
        var anonymousId = $"anon-{Guid.NewGuid():N}";
        var email = $"gone{Guid.NewGuid():N}@example.com";
        var other = $"user-{Guid.NewGuid():N}";
        var otherEvent = Guid.NewGuid().ToString();
        var response = await tracking.PostAsJsonAsync("/v1/batch", new
        {
            batch = new object[]
            {
                new { type = "identify", userId, traits = new { email } },
                new { type = "track", userId, @event = "Offer Viewed" },
                new { type = "page", anonymousId, name = "Home" },
                new { type = "alias", userId, previousId = anonymousId },
                new { type = "track", anonymousId = $"anon-{Guid.NewGuid():N}", @event = "Shared Device", context = new { traits = new { email } } },
                new { type = "track", messageId = otherEvent, userId = other, @event = "Offer Viewed" },
            },
        });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await _warehouse.EventuallyCountAsync(1, "SELECT count(*) FROM tracks WHERE id = $1", otherEvent);
        await _warehouse.EventuallyCountAsync(1, "SELECT count(*) FROM users WHERE id = $1", userId);
        var regulation = $"reg-{Guid.NewGuid():N}";
        var profileId = Guid.NewGuid();

        await bus.PublishAsync("ProfileDeleted", new
        {
            regulationId = regulation,
            profileId,
            identifiers = new[] { new { type = "user_id", value = userId }, new { type = "anonymous_id", value = anonymousId }, new { type = "email", value = email } },
            deletedAt = DateTimeOffset.UtcNow,
        });

        // Every service holding personal data answers the same deletion; this test is about the warehouse's answer.
        var report = await bus.ReceiveAsync(m => m.GetProperty("regulationId").GetString() == regulation && m.GetProperty("service").GetString() == "warehouse",
            "the warehouse's PersonalDataDeleted");
        Assert.Equal(profileId, report.GetProperty("profileId").GetGuid());
        // identify + users + track + page + alias + the shared-device track carrying her e-mail.
        Assert.Equal(6, report.GetProperty("rowsDeleted").GetInt64());
        foreach (var table in new[] { "tracks", "identifies", "pages", "aliases" })
        {
            Assert.Equal(0, await _warehouse.CountAsync($"SELECT count(*) FROM {table} WHERE user_id = $1 OR anonymous_id = $2 OR $3 = ANY(subject_identifiers)",
                userId, anonymousId, $"email:{email}"));
        }
        Assert.Equal(0, await _warehouse.CountAsync("SELECT count(*) FROM users WHERE id = $1", userId));
        Assert.Equal(1, await _warehouse.CountAsync("SELECT count(*) FROM tracks WHERE id = $1", otherEvent));
    }

    [Fact]
    public async Task An_event_received_before_a_deletion_but_loaded_after_it_stays_out_of_the_warehouse()
    {
        await using var bus = await EventBusProbe.ConnectAsync(app);
        await bus.ListenAsync("PersonalDataDeleted");
        var userId = $"user-{Guid.NewGuid():N}";
        var regulation = $"reg-{Guid.NewGuid():N}";
        var receivedBeforeTheDeletion = DateTimeOffset.UtcNow;

        await bus.PublishAsync("ProfileDeleted", new
        {
            regulationId = regulation, profileId = Guid.NewGuid(), deletedAt = DateTimeOffset.UtcNow,
            identifiers = new[] { new { type = "user_id", value = userId } },
        });
        await bus.ReceiveAsync(m => m.GetProperty("regulationId").GetString() == regulation && m.GetProperty("service").GetString() == "warehouse",
            "the warehouse's PersonalDataDeleted");
        // Ingestion's relay delivers, after the deletion, one event it accepted before it (in flight meanwhile) and one
        // she sent afterwards (new data), in the same batch.
        var inFlight = Guid.NewGuid().ToString();
        var afterwards = Guid.NewGuid().ToString();
        await bus.PublishAsync("EventsIngested", new
        {
            batchId = Guid.NewGuid(),
            sourceId = "portal",
            events = new[] { Tracked(inFlight, userId, receivedBeforeTheDeletion), Tracked(afterwards, userId, DateTimeOffset.UtcNow) },
        });

        await _warehouse.EventuallyCountAsync(1, "SELECT count(*) FROM tracks WHERE id = $1", afterwards);
        Assert.Equal(0, await _warehouse.CountAsync("SELECT count(*) FROM tracks WHERE id = $1", inFlight));
    }

    private static object Tracked(string messageId, string userId, DateTimeOffset receivedAt) => new
    {
        sourceId = "portal", messageId, type = "track", userId, anonymousId = (string?)null, @event = "Offer Viewed",
        name = (string?)null, groupId = (string?)null, previousId = (string?)null, properties = new { }, traits = (object?)null,
        context = new { }, integrations = (object?)null, timestamp = receivedAt, originalTimestamp = (DateTimeOffset?)null,
        sentAt = (DateTimeOffset?)null, receivedAt,
    };
}
