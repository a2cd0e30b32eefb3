using System.Text;
using System.Text.Json;
using Alle.Ingestion.Tracking;

namespace Alle.UnitTests.Ingestion;

public sealed class TrackingRequestTests
{
    private static ReadOnlyMemory<byte> Body(string json) => Encoding.UTF8.GetBytes(json);

    [Theory]
    [InlineData("{\"userId\":", false)]
    [InlineData("[1,2]", false)]
    [InlineData("{\"batch\":{}}", true)]
    [InlineData("not json", true)]
    public void Malformed_bodies_are_refused_as_malformed_json(string json, bool isBatch)
    {
        var exception = Assert.Throws<TrackingRequestException>(() => TrackingRequest.Parse(Body(json), isBatch));

        Assert.Equal("Malformed JSON", exception.Title);
        Assert.Null(exception.Limit);
    }

    [Fact]
    public void A_batch_of_more_than_2500_events_is_refused_naming_the_limit()
    {
        var json = "{\"batch\":[" + string.Join(',', Enumerable.Repeat("{\"type\":\"track\",\"userId\":\"u\",\"event\":\"E\"}", 2501)) + "]}";

        var exception = Assert.Throws<TrackingRequestException>(() => TrackingRequest.Parse(Body(json), isBatch: true));

        Assert.Equal("2500 events per batch", exception.Limit);
    }

    [Fact]
    public void A_batch_holding_an_event_over_32_KB_is_refused_naming_the_limit()
    {
        var big = new string('x', 33 * 1024);
        var json = $$$"""{"batch":[{"type":"track","userId":"u","event":"E"},{"type":"track","userId":"u","event":"E","properties":{"blob":"{{{big}}}"}}]}""";

        var exception = Assert.Throws<TrackingRequestException>(() => TrackingRequest.Parse(Body(json), isBatch: true));

        Assert.Equal("32 KB per event", exception.Limit);
        Assert.Contains("Event 1", exception.Message);
    }

    [Fact]
    public void A_batch_reads_its_calls_the_write_key_and_what_applies_to_all()
    {
        var request = TrackingRequest.Parse(Body("""
            {"writeKey":"wk","sentAt":"2026-03-01T12:00:00Z","context":{"locale":"en"},"integrations":{"All":true},
             "batch":[{"type":"track","userId":"u","event":"A"},{"type":"identify","userId":"u"}]}
            """), isBatch: true);

        Assert.Equal("wk", request.WriteKey);
        Assert.Equal(2, request.Messages.Count);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero), request.Defaults.SentAt);
        Assert.Equal("en", request.Defaults.Context!.Value.GetProperty("locale").GetString());
        Assert.Equal(JsonValueKind.Object, request.Defaults.Integrations!.Value.ValueKind);
    }
}
