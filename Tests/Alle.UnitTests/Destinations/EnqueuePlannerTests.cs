using System.Text.Json;
using System.Text.Json.Nodes;
using Alle.Destinations.Configuration;
using Alle.Destinations.Extensions;
using Alle.Destinations.Filtering;
using Alle.Destinations.Intake;
using Alle.Destinations.Mappings;
using Alle.Destinations.Network;
using Alle.Destinations.Validation;

namespace Alle.UnitTests.Destinations;

/// <summary>What an event becomes for each destination: consent first, then filters, then the webhook event or one delivery per matching mapping.</summary>
public sealed class EnqueuePlannerTests
{
    private static readonly DestinationUrlPolicy s_policy = new(true, false);

    private static Destination Webhook(string? filters = null, string[]? consent = null, bool ordered = false)
    {
        var errors = new ValidationErrors();
        var definition = DestinationDefinition.Parse(new DestinationRequest("Hook", "webhook", true,
            JsonDocument.Parse("""{"url": "https://hooks.example.com/x"}""").RootElement, consent,
            filters is null ? null : JsonDocument.Parse(filters).RootElement, new DeliveryRequest(ordered, null, null, null, null), null),
            s_policy, new DeliveryOptions(), errors);
        Assert.True(errors.IsEmpty, errors.ToString());
        return new Destination(Guid.NewGuid(), definition!, "secret-secret-secret", DestinationFilters.Parse(definition!.FiltersJson, "$", errors)!, [],
            new HashSet<string> { "portal" }, [], DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);
    }

    private static Destination Http(params (string Trigger, bool Enabled)[] mappings)
    {
        var hook = Webhook();
        var id = Guid.NewGuid();
        var errors = new ValidationErrors();
        var request = JsonDocument.Parse("""{"url": "https://api.example.com/e"}""").RootElement;
        return hook with
        {
            Id = id,
            Definition = hook.Definition with { Type = DestinationTypes.Http, Webhook = null },
            Mappings = [.. mappings.Select(m => new Mapping(Guid.NewGuid(), id, "m", m.Enabled, default, request,
                ConditionParser.Parse(JsonDocument.Parse(m.Trigger).RootElement, "$", errors)!, MappingTemplate.Parse(request, "$", errors)!, default, default))],
        };
    }

    private static IncomingEvent Incoming(JsonObject segmentEvent) =>
        new(segmentEvent, segmentEvent["messageId"]!.GetValue<string>(), ["hash-of-u1"], "person-u1", DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch);

    [Fact]
    public void A_webhook_gets_the_event_as_it_is_keyed_by_its_message_id()
    {
        var destination = Webhook();

        var row = Assert.Single(EnqueuePlanner.Plan(Incoming(Events.Track("Order Completed", messageId: "abc")), [destination], null));

        Assert.Equal(DeliveryStatus.Pending, row.Status);
        Assert.Equal("abc", row.DeliveryKey);
        Assert.Equal("Order Completed", JsonNode.Parse(row.Payload!)!["event"]!.GetValue<string>());
        Assert.Equal(["hash-of-u1"], row.Subjects);
        Assert.Null(row.OrderingKey);
    }

    [Fact]
    public void A_destination_that_keeps_each_persons_order_keys_her_rows_by_person()
    {
        Assert.Equal("person-u1", Assert.Single(EnqueuePlanner.Plan(Incoming(Events.Track("E")), [Webhook(ordered: true)], null)).OrderingKey);
    }

    [Fact]
    public void Consent_is_decided_before_filters_and_both_are_recorded_with_their_reason()
    {
        var destination = Webhook(filters: """[{"action": "drop", "if": {"event": "Noise"}}]""", consent: ["advertising"]);

        var blocked = Assert.Single(EnqueuePlanner.Plan(Incoming(Events.Track("Noise", context: Events.Consent(false, true))), [destination], null));
        var filtered = Assert.Single(EnqueuePlanner.Plan(Incoming(Events.Track("Noise", context: Events.Consent(true, true))), [destination], null));
        var storedDenial = Assert.Single(EnqueuePlanner.Plan(Incoming(Events.Track("Sale")), [destination], new Dictionary<string, bool> { ["advertising"] = false }));

        Assert.Equal((DeliveryStatus.ConsentBlocked, "consent:advertising"), (blocked.Status, blocked.Reason));
        Assert.Equal((DeliveryStatus.Filtered, "filter:0:drop"), (filtered.Status, filtered.Reason));
        Assert.Equal(DeliveryStatus.ConsentBlocked, storedDenial.Status);
        Assert.All([blocked, filtered, storedDenial], row => Assert.Null(row.Payload));
    }

    [Fact]
    public void An_http_destination_gets_one_delivery_per_enabled_matching_mapping_and_none_matching_counts_as_filtered()
    {
        var destination = Http(("""{"event": "Order Completed"}""", true), ("""{"type": "track"}""", true), ("""{"type": "track"}""", false), ("""{"type": "identify"}""", true));

        var rows = EnqueuePlanner.Plan(Incoming(Events.Track("Order Completed", messageId: "m9")), [destination], null);
        var page = Assert.Single(EnqueuePlanner.Plan(Incoming(Events.Page("Home")), [destination], null));

        Assert.Equal(2, rows.Count);
        Assert.All(rows, row => Assert.Equal(DeliveryStatus.Pending, row.Status));
        Assert.Equal([$"m9#{destination.Mappings[0].Id:N}", $"m9#{destination.Mappings[1].Id:N}"], rows.Select(r => r.DeliveryKey));
        Assert.Equal((DeliveryStatus.Filtered, EnqueuePlanner.NoMapping), (page.Status, page.Reason));
    }

    [Fact]
    public void Each_destination_decides_on_its_own()
    {
        var strict = Webhook(consent: ["advertising"]);
        var open = Webhook();

        var rows = EnqueuePlanner.Plan(Incoming(Events.Track("E", context: Events.Consent(false, false))), [strict, open], null);

        Assert.Equal([DeliveryStatus.ConsentBlocked, DeliveryStatus.Pending], rows.Select(r => r.Status));
    }
}
