using Alle.Testing.Accounting;

namespace Alle.UnitTests.Faults;

public sealed class DeliveryLedgerTests
{
    [Fact]
    public void Each_id_is_classified_by_what_was_acknowledged_and_how_often_it_was_stored()
    {
        var ledger = new DeliveryLedger();
        foreach (var id in new[] { "stored", "lost", "doubled", "refused", "timed-out-but-landed", "in-doubt", "in-doubt-but-landed" })
        {
            ledger.Sent(id, "broker stopped");
        }
        foreach (var id in new[] { "stored", "lost", "doubled", "in-doubt", "in-doubt-but-landed" })
        {
            ledger.Acknowledged(id);
        }
        ledger.InDoubt("in-doubt");
        ledger.InDoubt("in-doubt-but-landed");
        ledger.Stored("stored");
        ledger.Stored("doubled");
        ledger.Stored("doubled");
        ledger.Stored("timed-out-but-landed");
        ledger.Stored("in-doubt-but-landed");
        ledger.Stored("made-up");

        Assert.Equal(DeliveryOutcome.Stored, ledger.Classify("stored"));
        Assert.Equal(DeliveryOutcome.Lost, ledger.Classify("lost"));
        Assert.Equal(DeliveryOutcome.Duplicated, ledger.Classify("doubled"));
        Assert.Equal(DeliveryOutcome.NotAcknowledged, ledger.Classify("refused"));
        Assert.Equal(DeliveryOutcome.Stored, ledger.Classify("timed-out-but-landed"));
        Assert.Equal(DeliveryOutcome.InDoubt, ledger.Classify("in-doubt"));
        Assert.Equal(DeliveryOutcome.Stored, ledger.Classify("in-doubt-but-landed"));
        Assert.Equal(DeliveryOutcome.Unexpected, ledger.Classify("made-up"));
        Assert.Equal(DeliveryOutcome.NotAcknowledged, ledger.Classify("never-heard-of"));
        Assert.Equal(["lost"], ledger.Having(DeliveryOutcome.Lost));
    }

    [Fact]
    public void A_retry_keeps_the_fault_the_id_was_first_sent_in_and_copies_add_up()
    {
        var ledger = new DeliveryLedger();
        ledger.Sent("a", "ingestion killed");
        ledger.Sent("a", "profiles killed");
        ledger.Acknowledged("a");
        ledger.Stored("a");
        ledger.Stored("a", copies: 2);

        var tally = Assert.Single(ledger.Tally("warehouse"));
        Assert.Equal(new DeliveryTally("ingestion killed", "warehouse", Sent: 1, Acknowledged: 1, Stored: 1, Lost: 0, Duplicated: 1, Unexpected: 0), tally);
        Assert.False(tally.Holds);
    }

    [Fact]
    public void Tallies_come_per_fault_in_order_and_unexpected_ids_go_where_the_caller_attributes_them()
    {
        var ledger = new DeliveryLedger();
        ledger.Sent("1", "before faults");
        ledger.Acknowledged("1");
        ledger.Stored("1");
        ledger.Sent("2", "postgres stopped");
        ledger.Sent("3", "postgres stopped");
        ledger.Acknowledged("3");
        ledger.Stored("4", fault: "postgres stopped");
        ledger.Stored("5");

        Assert.Equal(
        [
            new DeliveryTally("before faults", "timelines", 1, 1, 1, 0, 0, 0),
            new DeliveryTally("postgres stopped", "timelines", 2, 1, 0, 1, 0, 1),
            new DeliveryTally(DeliveryLedger.NeverSent, "timelines", 0, 0, 0, 0, 0, 1),
        ], ledger.Tally("timelines"));
    }

    [Fact]
    public void The_never_sent_line_appears_only_when_something_unexpected_is_in_it()
    {
        var ledger = new DeliveryLedger();
        ledger.Sent("1", "redis stopped");
        ledger.Stored("1");

        Assert.Equal(["redis stopped"], ledger.Tally("warehouse").Select(t => t.Fault));
        Assert.True(ledger.Tally("warehouse")[0].Holds);
    }

    [Fact]
    public void Concurrent_senders_record_into_one_ledger()
    {
        var ledger = new DeliveryLedger();
        Parallel.For(0, 10_000, i =>
        {
            ledger.Sent($"e{i}", i % 2 == 0 ? "even" : "odd");
            ledger.Acknowledged($"e{i}");
            ledger.Stored($"e{i}");
        });

        Assert.All(ledger.Tally("warehouse"), t => Assert.Equal((5_000, 5_000, 5_000, true), (t.Sent, t.Acknowledged, t.Stored, t.Holds)));
    }

    [Fact]
    public void Counts_per_key_classify_shortfalls_as_lost_excesses_as_duplicated_and_strangers_as_unexpected()
    {
        var tally = DeliveryTally.OfCounts("profiles killed", "event counter",
            expected: new Dictionary<string, long> { ["ana"] = 5, ["ben"] = 3, ["cy"] = 2 },
            observed: new Dictionary<string, long> { ["ana"] = 5, ["ben"] = 2, ["cy"] = 4, ["dee"] = 1 });

        Assert.Equal(new DeliveryTally("profiles killed", "event counter", Sent: 10, Acknowledged: 10, Stored: 9, Lost: 1, Duplicated: 2, Unexpected: 1), tally);
    }

    [Fact]
    public void The_table_aligns_text_left_and_figures_right_with_a_recovery_time_where_there_is_one()
    {
        var table = DeliveryTable.Format(
        [
            new DeliveryTally("ingestion SIGKILL", "warehouse", 12_345, 12_300, 12_300, 0, 0, 0, Recovery: TimeSpan.FromSeconds(7.26)),
            new DeliveryTally("redis stopped", "timelines", 40, 40, 40, 0, 0, 0),
        ]);

        var lines = table.TrimEnd('\n').Split('\n');
        Assert.Equal(4, lines.Length);
        Assert.StartsWith("| fault             | checked in | sent   | acknowledged |", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("| ----------------- | ---------- | -----: |", lines[1], StringComparison.Ordinal);
        Assert.Equal("| ingestion SIGKILL | warehouse  | 12,345 |       12,300 | 12,300 |    0 |          0 |          0 |        0 |           7.3 s |", lines[2]);
        Assert.EndsWith("|               – |", lines[3], StringComparison.Ordinal);
        Assert.All(lines, line => Assert.Equal(lines[0].Length, line.Length));
    }
}
