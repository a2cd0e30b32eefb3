using Alle.Contracts;
using Alle.Ingestion.Outbox;

namespace Alle.UnitTests.Ingestion;

public sealed class CoalescedBatchesTests
{
    private static readonly DateTimeOffset s_now = new(2026, 3, 1, 10, 59, 59, TimeSpan.Zero);

    private static PendingBatch Batch(string sourceId, params string[] messageIds) => new(
        Guid.NewGuid(), sourceId,
        [.. messageIds.Select(id => new TrackedEvent(sourceId, id, "track", "user-1", null, "Provider Searched", null, null, null, null, null, null, null, s_now, null, null, s_now))],
        [$"trace-{messageIds[0]}"]);

    [Fact]
    public void Batches_of_one_source_travel_together_in_commit_order_under_the_first_batchs_id()
    {
        var first = Batch("portal", "a", "b");
        var second = Batch("portal", "c");

        var message = Assert.Single(CoalescedBatches.Coalesce([first, second], eventsPerMessage: 10));

        Assert.Equal(first.BatchId, message.MessageId);
        Assert.Equal(first.BatchId, message.Message.BatchId);
        Assert.Equal("portal", message.Message.SourceId);
        Assert.Equal(["a", "b", "c"], message.Message.Events.Select(e => e.MessageId));
        Assert.Equal(["trace-a", "trace-c"], message.TraceParents);
        Assert.Equal([first.BatchId, second.BatchId], message.Batches.Select(b => b.BatchId));
    }

    [Fact]
    public void Each_source_gets_its_own_messages()
    {
        var messages = CoalescedBatches.Coalesce([Batch("portal", "a"), Batch("mobile", "b"), Batch("portal", "c")], eventsPerMessage: 10).ToList();

        Assert.Equal(2, messages.Count);
        Assert.All(messages, message => Assert.All(message.Message.Events, e => Assert.Equal(message.SourceId, e.SourceId)));
        Assert.Equal(["a", "c"], messages.Single(m => m.SourceId == "portal").Message.Events.Select(e => e.MessageId));
    }

    [Fact]
    public void A_message_stops_before_the_batch_that_would_overfill_it_and_a_batch_is_never_split()
    {
        var big = Batch("portal", "a", "b", "c", "d");
        var messages = CoalescedBatches.Coalesce([Batch("portal", "x", "y"), Batch("portal", "z"), big, Batch("portal", "e")], eventsPerMessage: 3).ToList();

        Assert.Equal([["x", "y", "z"], ["a", "b", "c", "d"], ["e"]], messages.Select(m => m.Message.Events.Select(e => e.MessageId).ToArray()));
    }
}
