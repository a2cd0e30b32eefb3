using Alle.Contracts;
using Alle.Ingestion.Storage;

namespace Alle.UnitTests.Ingestion;

public sealed class CommitGroupTests
{
    private static readonly DateTimeOffset s_now = new(2026, 3, 1, 10, 59, 59, TimeSpan.Zero);

    private static TrackedEvent Event(string sourceId, string messageId, string name = "Provider Searched") =>
        new(sourceId, messageId, "track", "user-1", null, name, null, null, null, null, null, null, null, s_now, null, null, s_now);

    private static AcceptedRequest Request(string sourceId, params string[] messageIds) => Request(sourceId, s_now, $"trace-{sourceId}-{messageIds.FirstOrDefault()}", messageIds);

    private static AcceptedRequest Request(string sourceId, DateTimeOffset receivedAt, string? traceParent, params string[] messageIds) =>
        new(sourceId, receivedAt, [.. messageIds.Select(id => Event(sourceId, id))], [], [], traceParent, Bytes: 400 * messageIds.Length);

    [Fact]
    public void A_group_takes_requests_while_its_calls_and_bytes_fit_and_always_takes_the_first()
    {
        var limits = new GroupLimits(MaxCalls: 3, MaxBytes: 1_000);
        var big = Request("portal", "a", "b", "c", "d"); // 4 calls, 1,600 bytes: over both limits

        Assert.True(limits.Admits(new GroupSize(), big));
        var size = new GroupSize().Add(Request("portal", "a"));
        Assert.True(limits.Admits(size, Request("portal", "b")));
        Assert.False(limits.Admits(size, big));
        size = size.Add(Request("portal", "b"));
        Assert.False(limits.Admits(size, Request("portal", "c", "d"))); // 4 calls
        Assert.False(limits.Admits(size.Add(Request("portal", "c")), Request("portal", "d"))); // 1,200 bytes
    }

    [Fact]
    public void The_first_request_carrying_a_message_id_gets_it_and_a_later_one_gets_nothing()
    {
        var first = Request("portal", "m1", "m2");
        var second = Request("portal", "m2", "m3");
        var inserted = new HashSet<(string, string)> { ("portal", "m1"), ("portal", "m2"), ("portal", "m3") };

        var fresh = CommitGroup.AssignFresh([first, second], inserted);

        Assert.Equal(["m1", "m2"], fresh[0].Select(e => e.MessageId));
        Assert.Equal(["m3"], fresh[1].Select(e => e.MessageId));
    }

    [Fact]
    public void A_message_id_already_stored_is_fresh_for_nobody_and_a_repeat_within_a_request_counts_once()
    {
        var retry = Request("portal", "old", "new", "new");
        var inserted = new HashSet<(string, string)> { ("portal", "new") };

        var fresh = CommitGroup.AssignFresh([retry], inserted);

        Assert.Equal(["new"], fresh[0].Select(e => e.MessageId));
    }

    [Fact]
    public void The_same_message_id_from_two_sources_is_two_events()
    {
        var inserted = new HashSet<(string, string)> { ("portal", "m1"), ("mobile", "m1") };

        var fresh = CommitGroup.AssignFresh([Request("portal", "m1"), Request("mobile", "m1")], inserted);

        Assert.Single(fresh[0]);
        Assert.Single(fresh[1]);
    }

    [Fact]
    public void New_events_split_into_one_batch_per_source_in_arrival_order_with_the_first_requests_trace_first()
    {
        var requests = new[] { Request("portal", "p1"), Request("mobile", "x1"), Request("portal", "p2", "p3"), Request("portal", "p4") };
        var fresh = new IReadOnlyList<TrackedEvent>[] { requests[0].Events, requests[1].Events, requests[2].Events, [] };
        var ids = new Queue<Guid>([Guid.NewGuid(), Guid.NewGuid()]);

        var batches = CommitGroup.SplitBySource(requests, fresh, ids.Dequeue);

        Assert.Equal(["mobile", "portal"], batches.Select(b => b.SourceId));
        Assert.Equal(["x1"], batches[0].Events.Select(e => e.MessageId));
        Assert.Equal(["p1", "p2", "p3"], batches[1].Events.Select(e => e.MessageId));
        Assert.Equal(["trace-portal-p1", "trace-portal-p2"], batches[1].TraceParents);
        Assert.NotEqual(batches[0].BatchId, batches[1].BatchId);
    }

    [Fact]
    public void A_group_with_nothing_new_has_no_batch()
    {
        var request = Request("portal", "m1");

        Assert.Empty(CommitGroup.SplitBySource([request], [[]], Guid.NewGuid));
        Assert.Empty(CommitGroup.CountVolume([request], [[]]));
    }

    [Fact]
    public void Volume_is_counted_per_source_and_hour_with_the_latest_arrival_and_its_last_event()
    {
        var nextHour = s_now.AddSeconds(2);
        var requests = new[]
        {
            Request("portal", s_now.AddSeconds(-1), null, "a", "b"),
            Request("portal", s_now, null, "c"),
            Request("portal", nextHour, null, "d"),
            Request("mobile", s_now, null, "e"),
        };

        var counts = CommitGroup.CountVolume(requests, [.. requests.Select(r => r.Events)]);

        Assert.Equal([("mobile", 1), ("portal", 3), ("portal", 1)], counts.Select(c => (c.SourceId, c.Events.Count)));
        Assert.Equal(s_now, counts[1].ReceivedAt);
        Assert.Equal("c", counts[1].Events[^1].MessageId);
        Assert.Equal(nextHour, counts[2].ReceivedAt);
    }
}
