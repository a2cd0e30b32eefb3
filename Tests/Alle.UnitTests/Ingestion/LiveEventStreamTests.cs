using Alle.Ingestion.LiveStream;

namespace Alle.UnitTests.Ingestion;

public sealed class LiveEventStreamTests
{
    private static LiveEvent Event(int n) => new("accepted", null, $"m{n}", "track", "E", DateTimeOffset.UnixEpoch, null);

    [Fact]
    public void Nothing_is_kept_for_a_source_nobody_listens_to()
    {
        var stream = new LiveEventStream();
        stream.Publish("portal", [Event(1)]);

        using var subscription = stream.Subscribe("portal");

        Assert.False(subscription.Events.TryRead(out _));
    }

    [Fact]
    public void A_new_listener_first_sees_the_recent_calls_bounded_by_the_ring_then_new_ones()
    {
        var stream = new LiveEventStream();
        using var first = stream.Subscribe("portal");
        stream.Publish("portal", Enumerable.Range(1, LiveEventStream.RingSize + 20).Select(Event));

        using var second = stream.Subscribe("portal");
        stream.Publish("portal", [Event(999)]);

        var seen = new List<string?>();
        while (second.Events.TryRead(out var liveEvent))
        {
            seen.Add(liveEvent.MessageId);
        }
        Assert.Equal(LiveEventStream.RingSize + 1, seen.Count);
        Assert.Equal("m21", seen[0]);
        Assert.Equal("m999", seen[^1]);
    }

    [Fact]
    public void When_the_last_listener_leaves_the_ring_is_dropped()
    {
        var stream = new LiveEventStream();
        var subscription = stream.Subscribe("portal");
        stream.Publish("portal", [Event(1)]);

        subscription.Dispose();

        Assert.False(stream.HasListeners("portal"));
        using var later = stream.Subscribe("portal");
        Assert.False(later.Events.TryRead(out _));
        Assert.False(stream.HasListeners("loyalty"));
    }
}
