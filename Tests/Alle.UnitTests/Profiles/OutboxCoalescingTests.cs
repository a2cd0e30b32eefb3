using System.Text.Json;
using Alle.Contracts;
using Alle.Profiles.Outbox;

namespace Alle.UnitTests.Profiles;

public sealed class OutboxCoalescingTests
{
    private static ProfileUpdated Update(int n) =>
        new(Guid.NewGuid(), $"user-{n}", new Dictionary<string, JsonElement>(), null, DateTimeOffset.UnixEpoch.AddSeconds(n));

    private static ProfilesMerged Merge() => new(Guid.NewGuid(), [Guid.NewGuid()], "m1", DateTimeOffset.UnixEpoch);

    [Fact]
    public void Consecutive_updates_travel_together_and_other_messages_keep_their_place()
    {
        var first = Enumerable.Range(0, 3).Select(Update).ToList();
        var merge = Merge();
        var last = Update(99);

        var published = OutboxRelay.Coalesce([.. first, merge, last]).ToList();

        Assert.Equal(3, published.Count);
        Assert.Equal(first, Assert.IsType<ProfilesUpdated>(published[0]).Updates);
        Assert.Same(merge, published[1]);
        Assert.Same(last, published[2]);
    }

    [Fact]
    public void A_long_run_is_split_at_the_message_limit_without_losing_or_reordering_an_update()
    {
        var updates = Enumerable.Range(0, OutboxRelay.UpdatesPerMessage * 2 + 5).Select(Update).ToList();

        var published = OutboxRelay.Coalesce(updates).Cast<ProfilesUpdated>().ToList();

        Assert.Equal([OutboxRelay.UpdatesPerMessage, OutboxRelay.UpdatesPerMessage, 5], published.Select(batch => batch.Updates.Count));
        Assert.Equal(updates, published.SelectMany(batch => batch.Updates));
    }

    [Fact]
    public void An_update_on_its_own_is_published_as_it_is()
    {
        var merge = Merge();
        var update = Update(1);

        Assert.Equal([merge, update], OutboxRelay.Coalesce([merge, update]));
        Assert.Empty(OutboxRelay.Coalesce([]));
    }
}
