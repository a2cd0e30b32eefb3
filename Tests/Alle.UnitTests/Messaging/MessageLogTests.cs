using Alle.Messaging.Log;
using Alle.Messaging.Sending;

namespace Alle.UnitTests.Messaging;

/// <summary>The log's keyset cursors and pages, and the estimated cost of texts.</summary>
public sealed class MessageLogTests
{
    private static readonly DateTimeOffset s_at = new DateTimeOffset(2026, 12, 7, 9, 30, 15, TimeSpan.Zero).AddTicks(1234560);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_cursor_reads_back_as_written_to_the_microsecond(bool newer)
    {
        var cursor = new LogCursor(s_at, Guid.CreateVersion7().ToString(), newer);

        var text = cursor.Encode();

        Assert.Equal(cursor, LogCursor.Decode(text));
        Assert.DoesNotContain('+', text);
        Assert.DoesNotContain('/', text);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a cursor")]
    [InlineData("%%%")]
    [InlineData("eDoxMjM6YQ")]        // "x:123:a": neither older nor newer
    [InlineData("bzphYmM6YQ")]        // "o:abc:a": no time
    [InlineData("bzoxMjM6")]          // "o:123:": no key
    [InlineData("bzotMTIzOmE")]       // "o:-123:a": negative time
    [InlineData("bzo5MDAwMDAwMDAwMDAwMDAwMDA6YQ")] // beyond the calendar
    public void Anything_else_is_not_a_cursor(string text) => Assert.Null(LogCursor.Decode(text));

    [Fact]
    public void A_very_long_cursor_is_refused_unread() => Assert.Null(LogCursor.Decode(new string('A', 5000)));

    private static (DateTimeOffset, string) Position(int row) => (s_at.AddSeconds(row), row.ToString("D3"));

    [Fact]
    public void The_first_page_has_older_entries_and_no_newer_ones()
    {
        var rows = Enumerable.Range(0, 4).Select(i => 100 - i).ToList(); // newest first, one past the limit of 3

        var page = LogPage<int>.From(rows, 3, null, Position);

        Assert.Equal([100, 99, 98], page.Items);
        Assert.Null(page.Newer);
        Assert.Equal(new LogCursor(s_at.AddSeconds(98), "098", false), LogCursor.Decode(page.Older));
    }

    [Fact]
    public void The_last_older_page_has_newer_entries_and_no_older_ones()
    {
        var cursor = new LogCursor(s_at.AddSeconds(98), "098", false);

        var page = LogPage<int>.From([97, 96], 3, cursor, Position);

        Assert.Equal([97, 96], page.Items);
        Assert.Null(page.Older);
        Assert.Equal(new LogCursor(s_at.AddSeconds(97), "097", true), LogCursor.Decode(page.Newer));
    }

    [Fact]
    public void A_newer_page_is_read_oldest_first_and_shown_newest_first()
    {
        var cursor = new LogCursor(s_at.AddSeconds(97), "097", true);

        var page = LogPage<int>.From([98, 99, 100, 101], 3, cursor, Position);

        Assert.Equal([100, 99, 98], page.Items);
        Assert.Equal(new LogCursor(s_at.AddSeconds(98), "098", false), LogCursor.Decode(page.Older));
        Assert.Equal(new LogCursor(s_at.AddSeconds(100), "100", true), LogCursor.Decode(page.Newer));
    }

    [Fact]
    public void Reaching_the_newest_entries_leaves_no_newer_page()
    {
        var page = LogPage<int>.From([98, 99], 3, new LogCursor(s_at.AddSeconds(97), "097", true), Position);

        Assert.Equal([99, 98], page.Items);
        Assert.Null(page.Newer);
        Assert.NotNull(page.Older);
    }

    [Theory]
    [InlineData("queued", 2, 0.0158)]
    [InlineData("sent", 1, 0.0079)]
    [InlineData("delivered", 3, 0.0237)]
    [InlineData("undelivered", 1, 0.0079)]
    [InlineData("pending", 1, 0)]
    [InlineData("sending", 1, 0)]
    [InlineData("failed", 2, 0)]
    [InlineData("skipped", 1, 0)]
    public void A_text_costs_its_segments_once_twilio_has_accepted_it(string status, int segments, decimal cost) =>
        Assert.Equal(cost, new MessagePricing(MessagePricing.DefaultPerSegment).Estimate(SegmentCounter.Gsm7, segments, status));

    [Fact]
    public void An_encoding_may_have_a_price_of_its_own()
    {
        var pricing = new MessagePricing(0.0079m, new Dictionary<string, decimal> { [SegmentCounter.Ucs2] = 0.01m });

        Assert.Equal(0.03m, pricing.Estimate(SegmentCounter.Ucs2, 3, MessageStatus.Delivered));
        Assert.Equal(0.0079m, pricing.Estimate(SegmentCounter.Gsm7, 1, MessageStatus.Delivered));
    }

    [Fact]
    public void A_search_totals_every_text_and_prices_only_those_twilio_accepted()
    {
        var pricing = new MessagePricing(0.0079m, new Dictionary<string, decimal> { [SegmentCounter.Ucs2] = 0.01m });
        MessageTally[] tallies =
        [
            new(MessageStatus.Delivered, SegmentCounter.Gsm7, 10, 12),
            new(MessageStatus.Delivered, SegmentCounter.Ucs2, 2, 6),
            new(MessageStatus.Skipped, SegmentCounter.Gsm7, 5, 5),
            new(MessageStatus.Failed, SegmentCounter.Gsm7, 1, 1),
        ];

        var totals = MessageTotals.From(tallies, pricing);

        Assert.Equal(18, totals.Messages);
        Assert.Equal(24, totals.Segments);
        Assert.Equal(12, totals.BilledMessages);
        Assert.Equal(18, totals.BilledSegments);
        Assert.Equal(12 * 0.0079m + 6 * 0.01m, totals.EstimatedCost);
        Assert.Equal([("delivered", 12L), ("skipped", 5L), ("failed", 1L)], totals.ByStatus.Select(s => (s.Status, s.Messages)));
        Assert.Contains("not Twilio's bill", totals.Basis, StringComparison.Ordinal);
    }
}
