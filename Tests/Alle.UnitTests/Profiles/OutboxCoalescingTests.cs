using System.Text.Json;
using Alle.Contracts;
using Alle.Platform.Outbox;
using Alle.Profiles.Outbox;

namespace Alle.UnitTests.Profiles;

public sealed class OutboxCoalescingTests
{
    private static ProfileUpdated Update(int n) =>
        new(Guid.NewGuid(), $"user-{n}", new Dictionary<string, JsonElement>(), null, DateTimeOffset.UnixEpoch.AddSeconds(n));

    private static ProfilesMerged Merge() => new(Guid.NewGuid(), [Guid.NewGuid()], "m1", DateTimeOffset.UnixEpoch);

    private static PendingOutboxMessage Row(object message, string? traceParent = null) =>
        new(Interlocked.Increment(ref s_rowId), $"row-{s_rowId}", message, null, traceParent);

    private static long s_rowId;

    private static List<object> Published(params object[] messages) =>
        [.. ProfileOutboxHooks.Coalesce(messages.Select(message => Row(message))).Select(publication => publication.Message)];

    private static string TraceParent(int n) => $"00-{n:x32}-{n:x16}-01";

    [Fact]
    public void Consecutive_updates_travel_together_and_other_messages_keep_their_place()
    {
        var first = Enumerable.Range(0, 3).Select(Update).ToList();
        var merge = Merge();
        var last = Update(99);

        var published = Published([.. first, merge, last]);

        Assert.Equal(3, published.Count);
        Assert.Equal(first, Assert.IsType<ProfilesUpdated>(published[0]).Updates);
        Assert.Same(merge, published[1]);
        Assert.Same(last, published[2]);
    }

    [Fact]
    public void A_long_run_is_split_at_the_message_limit_without_losing_or_reordering_an_update()
    {
        var updates = Enumerable.Range(0, ProfileOutboxHooks.UpdatesPerMessage * 2 + 5).Select(Update).ToList();

        var published = Published([.. updates]).Cast<ProfilesUpdated>().ToList();

        Assert.Equal([ProfileOutboxHooks.UpdatesPerMessage, ProfileOutboxHooks.UpdatesPerMessage, 5], published.Select(batch => batch.Updates.Count));
        Assert.Equal(updates, published.SelectMany(batch => batch.Updates));
    }

    [Fact]
    public void An_update_on_its_own_is_published_as_it_is()
    {
        var merge = Merge();
        var update = Update(1);

        Assert.Equal([merge, update], Published(merge, update));
        Assert.Empty(Published());
    }

    [Fact]
    public void Each_message_carries_the_rows_in_it_in_order_with_their_traces()
    {
        var rows = new[] { Row(Update(1), TraceParent(1)), Row(Update(2)), Row(Merge(), TraceParent(3)), Row(Update(4), TraceParent(4)) };

        var published = ProfileOutboxHooks.Coalesce(rows).ToList();

        Assert.Equal([TraceParent(1), null], published[0].Rows.Select(row => row.TraceParent));
        Assert.Equal([TraceParent(3)], published[1].Rows.Select(row => row.TraceParent));
        Assert.Equal([TraceParent(4)], published[2].Rows.Select(row => row.TraceParent));
    }
}
