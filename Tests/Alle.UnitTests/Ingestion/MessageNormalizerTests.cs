using System.Text.Json;
using Alle.Ingestion.Tracking;

namespace Alle.UnitTests.Ingestion;

public sealed class MessageNormalizerTests
{
    private static readonly DateTimeOffset s_receivedAt = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly Arrival s_arrival = new("portal", s_receivedAt, "203.0.113.7");

    private static JsonElement Json(string json) => JsonSerializer.Deserialize<JsonElement>(json);

    [Theory]
    [InlineData("""{"type":"track","event":"Viewed"}""", "missing userId and anonymousId")]
    [InlineData("""{"type":"track","userId":"u1","event":""}""", "track without event")]
    [InlineData("""{"type":"alias","userId":"u1"}""", "alias without previousId")]
    [InlineData("""{"type":"alias","anonymousId":"a1","previousId":"p"}""", "alias without userId")]
    [InlineData("""{"type":"group","userId":"u1"}""", "group without groupId")]
    [InlineData("""{"type":"purchase","userId":"u1"}""", "unknown type: expected identify, track, page, screen, group or alias")]
    [InlineData("""{"type":"track","userId":{"id":1},"event":"E"}""", "invalid field: messageId, userId and anonymousId must be strings")]
    [InlineData("""{"type":"track","userId":"u1","event":"E","properties":[1,2]}""", "invalid field: properties, traits, context and integrations must be objects")]
    [InlineData("""{"type":"track","userId":"u1","event":"E","timestamp":"yesterday"}""", "invalid timestamp: timestamp, originalTimestamp and sentAt must be ISO-8601 dates")]
    public void An_invalid_call_is_rejected_with_its_reason(string json, string reason)
    {
        var (trackedEvent, rejection) = MessageNormalizer.Normalize(Json(json), null, default, s_arrival);

        Assert.Null(trackedEvent);
        Assert.Equal(reason, rejection!.Reason);
    }

    [Fact]
    public void A_message_id_over_100_characters_is_rejected_and_one_of_100_is_kept()
    {
        var tooLong = MessageNormalizer.Normalize(Json($$"""{"type":"track","userId":"u","event":"E","messageId":"{{new string('m', 101)}}"}"""), null, default, s_arrival);
        var longest = MessageNormalizer.Normalize(Json($$"""{"type":"track","userId":"u","event":"E","messageId":"{{new string('m', 100)}}"}"""), null, default, s_arrival);

        Assert.Equal("messageId over 100 characters", tooLong.Rejection!.Reason);
        Assert.Equal(new string('m', 100), longest.Event!.MessageId);
    }

    [Fact]
    public void The_path_decides_the_type_of_a_single_call()
    {
        var (trackedEvent, _) = MessageNormalizer.Normalize(Json("""{"type":"identify","userId":"u1","event":"Signed Up"}"""), "track", default, s_arrival);

        Assert.Equal("track", trackedEvent!.Type);
        Assert.Equal("Signed Up", trackedEvent.Event);
    }

    [Fact]
    public void The_server_adds_received_at_a_message_id_and_the_callers_ip()
    {
        var (trackedEvent, _) = MessageNormalizer.Normalize(Json("""{"userId":"u1","event":"E","context":{"library":{"name":"analytics-node","version":"3.1.0"}}}"""),
            "track", default, s_arrival);

        Assert.Equal(s_receivedAt, trackedEvent!.ReceivedAt);
        Assert.Equal(s_receivedAt, trackedEvent.Timestamp);
        Assert.True(Guid.TryParse(trackedEvent.MessageId, out _));
        Assert.Equal("203.0.113.7", trackedEvent.Context!.Value.GetProperty("ip").GetString());
        Assert.Equal("analytics-node", trackedEvent.Context.Value.GetProperty("library").GetProperty("name").GetString());
        Assert.Equal("portal", trackedEvent.SourceId);
    }

    [Fact]
    public void An_ip_the_sender_set_is_kept()
    {
        var (trackedEvent, _) = MessageNormalizer.Normalize(Json("""{"userId":"u1","event":"E","context":{"ip":"198.51.100.1"}}"""), "track", default, s_arrival);

        Assert.Equal("198.51.100.1", trackedEvent!.Context!.Value.GetProperty("ip").GetString());
    }

    [Fact]
    public void The_device_clock_is_corrected_by_the_difference_between_sent_at_and_received_at()
    {
        // The device clock is 10 minutes fast: it says it sent at 12:10 what happened at 12:05 (its time).
        var (trackedEvent, _) = MessageNormalizer.Normalize(
            Json("""{"userId":"u1","event":"E","timestamp":"2026-03-01T12:05:00Z","sentAt":"2026-03-01T12:10:00Z"}"""), "track", default, s_arrival);

        Assert.Equal(new DateTimeOffset(2026, 3, 1, 11, 55, 0, TimeSpan.Zero), trackedEvent!.Timestamp);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 12, 5, 0, TimeSpan.Zero), trackedEvent.OriginalTimestamp);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 12, 10, 0, TimeSpan.Zero), trackedEvent.SentAt);
    }

    [Fact]
    public void A_historical_timestamp_without_sent_at_is_kept_as_sent()
    {
        var (trackedEvent, _) = MessageNormalizer.Normalize(Json("""{"userId":"u1","event":"E","timestamp":"2025-01-01T08:00:00+02:00"}"""), "track", default, s_arrival);

        Assert.Equal(new DateTimeOffset(2025, 1, 1, 6, 0, 0, TimeSpan.Zero), trackedEvent!.Timestamp);
        Assert.Null(trackedEvent.SentAt);
    }

    [Fact]
    public void A_batch_context_integrations_and_sent_at_apply_to_each_call_whose_own_values_win()
    {
        var defaults = new BatchDefaults(
            Json("""{"app":{"name":"Allē"},"locale":"en-US","ip":"192.0.2.1"}"""),
            Json("""{"All":false,"Mixpanel":true}"""),
            s_receivedAt.AddSeconds(-30));
        var (trackedEvent, _) = MessageNormalizer.Normalize(
            Json("""{"type":"track","userId":"u1","event":"E","timestamp":"2026-03-01T11:59:00Z","context":{"locale":"fr-FR"},"integrations":{"Mixpanel":false}}"""),
            null, defaults, s_arrival);

        var context = trackedEvent!.Context!.Value;
        Assert.Equal("fr-FR", context.GetProperty("locale").GetString());
        Assert.Equal("Allē", context.GetProperty("app").GetProperty("name").GetString());
        Assert.Equal("192.0.2.1", context.GetProperty("ip").GetString());
        Assert.False(trackedEvent.Integrations!.Value.GetProperty("Mixpanel").GetBoolean());
        Assert.False(trackedEvent.Integrations.Value.GetProperty("All").GetBoolean());
        Assert.Equal(s_receivedAt.AddSeconds(-30), trackedEvent.SentAt);
        Assert.Equal(s_receivedAt.AddSeconds(-30), trackedEvent.Timestamp);
    }

    [Fact]
    public void Numeric_ids_are_kept_as_text_and_each_type_keeps_its_own_fields()
    {
        var identify = MessageNormalizer.Normalize(Json("""{"type":"identify","userId":42,"traits":{"email":"a@b.c"}}"""), null, default, s_arrival).Event!;
        var alias = MessageNormalizer.Normalize(Json("""{"type":"alias","userId":"u2","previousId":"anon-1"}"""), null, default, s_arrival).Event!;
        var group = MessageNormalizer.Normalize(Json("""{"type":"group","anonymousId":"a","groupId":7,"traits":{"name":"Clinic"}}"""), null, default, s_arrival).Event!;
        var page = MessageNormalizer.Normalize(Json("""{"type":"page","userId":"u","name":"Home","category":"Docs"}"""), null, default, s_arrival).Event!;

        Assert.Equal("42", identify.UserId);
        Assert.Equal("a@b.c", identify.Traits!.Value.GetProperty("email").GetString());
        Assert.Null(identify.Properties);
        Assert.Equal("anon-1", alias.PreviousId);
        Assert.Equal("7", group.GroupId);
        Assert.Equal("Clinic", group.Traits!.Value.GetProperty("name").GetString());
        Assert.Equal("Home", page.Name);
        Assert.Equal("Docs", page.Properties!.Value.GetProperty("category").GetString());
    }
}
