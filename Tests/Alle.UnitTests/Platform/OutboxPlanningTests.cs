using Alle.Platform.Outbox;

namespace Alle.UnitTests.Platform;

public sealed class OutboxPlanningTests
{
    private static readonly TimeSpan s_cap = TimeSpan.FromMinutes(1);

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(4, 8)]
    [InlineData(6, 32)]
    [InlineData(7, 60)]
    [InlineData(50, 60)]
    [InlineData(10_000, 60)]
    public void Retries_wait_one_second_doubling_up_to_the_cap(int attempts, int seconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(seconds), OutboxPlanning.Backoff(attempts, s_cap, random: 0));
    }

    [Fact]
    public void Jitter_takes_at_most_half_of_the_wait_off_so_rows_that_failed_together_spread_out()
    {
        var waits = Enumerable.Range(0, 11).Select(i => OutboxPlanning.Backoff(7, s_cap, random: i / 10.0)).ToList();

        Assert.All(waits, wait => Assert.InRange(wait, TimeSpan.FromSeconds(30), s_cap));
        Assert.Equal(TimeSpan.FromSeconds(30), waits[^1]);
        Assert.Equal(11, waits.Distinct().Count());
    }

    [Fact]
    public void Publications_sharing_a_key_stay_in_one_chain_in_row_order_and_the_others_go_side_by_side()
    {
        var a1 = Publication(1, "profile:a");
        var b1 = Publication(2, "profile:b");
        var free = Publication(3, null);
        var a2 = Publication(4, "profile:a");
        var c1 = Publication(5, "profile:c");

        var chains = OutboxPlanning.Chains([a1, b1, free, a2, c1]);

        Assert.Equal([[a1, a2], [b1], [free], [c1]], chains);
    }

    [Fact]
    public void A_publication_carrying_several_keys_joins_their_chains()
    {
        var a = Publication(1, "profile:a");
        var b = Publication(2, "profile:b");
        var both = new OutboxPublication("merged", [Row(3, "profile:a"), Row(4, "profile:b")]);
        var b2 = Publication(5, "profile:b");

        var chains = OutboxPlanning.Chains([a, b, both, b2]);

        Assert.Equal([a, b, both, b2], Assert.Single(chains));
    }

    [Fact]
    public void Bus_message_ids_are_stable_across_resends_and_keep_guids_as_they_are()
    {
        var guid = Guid.NewGuid();

        Assert.Equal(guid, OutboxPlanning.BusMessageId(guid.ToString()));
        Assert.Equal(OutboxPlanning.BusMessageId("loyalty-points-earned:p1"), OutboxPlanning.BusMessageId("loyalty-points-earned:p1"));
        Assert.NotEqual(OutboxPlanning.BusMessageId("loyalty-points-earned:p1"), OutboxPlanning.BusMessageId("loyalty-points-earned:p2"));
        Assert.Equal(new OutboxPublication("m", [Row(1, null), Row(2, null)]).BusMessageId, new OutboxPublication("m", [Row(1, null), Row(2, null)]).BusMessageId);
        Assert.NotEqual(new OutboxPublication("m", [Row(1, null), Row(2, null)]).BusMessageId, new OutboxPublication("m", [Row(1, null)]).BusMessageId);
    }

    private static PendingOutboxMessage Row(long id, string? key) => new(id, $"row-{id}", $"message {id}", key, null);

    private static OutboxPublication Publication(long id, string? key) => new($"message {id}", [Row(id, key)]);
}
