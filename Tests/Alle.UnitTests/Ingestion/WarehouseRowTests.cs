using System.Text.Json;
using Alle.Contracts;
using Alle.Ingestion.Warehouse;

namespace Alle.UnitTests.Ingestion;

public sealed class WarehouseRowTests
{
    private static JsonElement Json(string json) => JsonSerializer.Deserialize<JsonElement>(json);

    private static TrackedEvent Identify(string traits, DateTimeOffset timestamp) => new("portal", Guid.NewGuid().ToString(), "identify", "u1", null, null, null,
        null, null, null, Json(traits), null, null, timestamp, null, null, timestamp);

    [Theory]
    [InlineData("Order Completed", "order_completed")]
    [InlineData("  Provider Searched (v2)!", "provider_searched_v2")]
    [InlineData("checkout.started", "checkout_started")]
    public void Event_names_become_segment_slugs(string name, string slug) => Assert.Equal(slug, WarehouseRow.EventSlug(name));

    [Fact]
    public void Context_fields_get_their_own_columns_and_each_type_its_table()
    {
        var trackedEvent = new TrackedEvent("mobile", "m1", "screen", "u1", null, null, "Home", null, null, Json("{}"), null,
            Json("""{"ip":"203.0.113.7","library":{"name":"analytics-kotlin","version":"1.16"},"app":{"name":"Allē","version":"4.2"},"os":{"name":"Android"},"device":{"type":"android"},"locale":"en-US","userAgent":"UA"}"""),
            null, DateTimeOffset.UnixEpoch, null, null, DateTimeOffset.UnixEpoch);

        var row = WarehouseRow.From(trackedEvent, [new Identifier("phone", "+15555550100"), new Identifier("user_id", "u1")]);

        Assert.Equal("screens", row.Table);
        Assert.Equal(new ContextColumns("203.0.113.7", "analytics-kotlin", "1.16", null, null, null, null, "UA", "en-US", "Allē", "4.2", "android", "Android"), row.Context);
        Assert.Equal(["phone:+15555550100"], row.SubjectIdentifiers);
    }

    [Fact]
    public void A_users_traits_merge_in_timestamp_order_whatever_the_arrival_order()
    {
        var later = Identify("""{"tier":"gold","email":"new@example.com"}""", DateTimeOffset.UnixEpoch.AddHours(2));
        var earlier = Identify("""{"tier":"silver","zip":"10001"}""", DateTimeOffset.UnixEpoch.AddHours(1));
        var rows = new[] { later, earlier }.Select(e => WarehouseRow.From(e, [])).GroupBy(r => r.Event.UserId!).Single();

        var user = UserTraits.Merge(rows);

        var traits = Json(user.Traits);
        Assert.Equal("gold", traits.GetProperty("tier").GetString());
        Assert.Equal("10001", traits.GetProperty("zip").GetString());
        Assert.Equal("new@example.com", traits.GetProperty("email").GetString());
        Assert.Equal(later.Timestamp, user.Timestamp);
    }
}
