using System.Text.Json;
using Alle.Contracts;
using Alle.Destinations.Configuration;
using Alle.Destinations.Delivery;
using Alle.Destinations.Syncs;

namespace Alle.UnitTests.Destinations;

/// <summary>What a webhook receives (Segment's event shape) and the calls Engage syncs send.</summary>
public sealed class PayloadTests
{
    private static readonly DateTimeOffset s_at = new(2026, 3, 1, 12, 0, 0, 123, TimeSpan.Zero);

    [Fact]
    public void A_track_call_is_posted_in_segments_shape_with_the_senders_json_kept()
    {
        var call = new TrackedEvent("portal", "msg-1", "track", "u1", "a1", "Order Completed", null, null, null,
            JsonDocument.Parse("""{"total": 12.50, "items": [1, 2]}""").RootElement, null,
            JsonDocument.Parse("""{"ip": "203.0.113.9", "library": {"name": "analytics.js"}}""").RootElement, null,
            s_at, s_at.AddSeconds(-1), s_at.AddSeconds(-0.5), s_at.AddSeconds(1));

        var payload = SegmentPayload.From(call);

        Assert.Equal(["type", "messageId", "event", "userId", "anonymousId", "properties", "context", "integrations", "timestamp", "originalTimestamp", "sentAt",
            "receivedAt", "channel", "projectId", "version"], payload.Select(p => p.Key));
        Assert.Equal("""{"total": 12.50, "items": [1, 2]}""".Replace(" ", ""), payload["properties"]!.ToJsonString());
        Assert.Equal("2026-03-01T12:00:00.123Z", payload["timestamp"]!.GetValue<string>());
        Assert.Equal("portal", payload["projectId"]!.GetValue<string>());
    }

    [Fact]
    public void Identify_and_group_carry_traits_page_its_name_alias_the_previous_id()
    {
        static TrackedEvent Call(string type) => new("mobile", "m", type, "u1", null, null, type is "page" ? "Home" : null, type is "group" ? "g1" : null,
            type is "alias" ? "old-id" : null, null, JsonDocument.Parse("""{"plan": "gold"}""").RootElement, null, null, s_at, null, null, s_at);

        Assert.Equal("gold", SegmentPayload.From(Call("identify"))["traits"]!["plan"]!.GetValue<string>());
        Assert.Equal("g1", SegmentPayload.From(Call("group"))["groupId"]!.GetValue<string>());
        Assert.Equal("Home", SegmentPayload.From(Call("page"))["name"]!.GetValue<string>());
        Assert.Equal("old-id", SegmentPayload.From(Call("alias"))["previousId"]!.GetValue<string>());
        Assert.False(SegmentPayload.From(Call("alias")).ContainsKey("properties"));
    }

    [Fact]
    public void An_audience_sync_sends_an_identify_with_the_audience_key_and_the_entered_or_exited_track_call()
    {
        var sync = new Sync(Guid.NewGuid(), Guid.NewGuid(), SyncKinds.Audience, "north_star", "North star", Guid.NewGuid(), true, true, "done", 1, 0, null, null, null, s_at);

        var entered = SyncEvents.ForMembership(sync, "u1", true, "change-1", s_at, s_at);
        var exited = SyncEvents.ForMembership(sync, "u1", false, "change-2", s_at, s_at);

        Assert.Equal(["identify", "track"], entered.Select(c => c["type"]!.GetValue<string>()));
        Assert.True(entered[0]["traits"]!["north_star"]!.GetValue<bool>());
        Assert.Equal("Audience Entered", entered[1]["event"]!.GetValue<string>());
        Assert.Equal("North star", entered[1]["properties"]!["audience_name"]!.GetValue<string>());
        Assert.Equal(["change-1-identify", "change-1-track"], entered.Select(c => c["messageId"]!.GetValue<string>()));
        Assert.False(exited[0]["traits"]!["north_star"]!.GetValue<bool>());
        Assert.Equal("Audience Exited", exited[1]["event"]!.GetValue<string>());
        Assert.Equal("north_star", SyncEvents.AudienceOf(exited[0])!["key"]!.GetValue<string>());
        Assert.False(SyncEvents.AudienceOf(exited[1])!["entered"]!.GetValue<bool>());
        Assert.Null(SyncEvents.AudienceOf(Events.Track("E")));
    }

    [Fact]
    public void A_sync_can_send_identify_calls_only_and_a_computed_trait_sends_its_value()
    {
        var audience = new Sync(Guid.NewGuid(), Guid.NewGuid(), SyncKinds.Audience, "vip", "VIP", Guid.NewGuid(), true, false, "done", 1, 0, null, null, null, s_at);
        var trait = audience with { Kind = SyncKinds.ComputedTrait, Key = "searches_30d" };

        Assert.Single(SyncEvents.ForMembership(audience, "u1", true, "c", s_at, s_at));
        var identify = SyncEvents.ForComputedValue(trait, "u1", System.Text.Json.Nodes.JsonValue.Create(4), "c", s_at, s_at);
        Assert.Equal(4, identify["traits"]!["searches_30d"]!.GetValue<int>());
        Assert.Equal("computed_trait", identify["context"]!["personas"]!["computation_class"]!.GetValue<string>());
    }
}
