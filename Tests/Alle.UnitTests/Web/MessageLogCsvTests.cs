using Alle.Web.Formatting;
using Alle.Web.Pages.Console;
using Alle.Web.Services.Messaging;

namespace Alle.UnitTests.Web;

/// <summary>The console's CSV: RFC 4180 quoting, and no cell a spreadsheet would run as a formula.</summary>
public sealed class MessageLogCsvTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("", "")]
    [InlineData(null, "")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\r\nlines", "\"two\r\nlines\"")]
    [InlineData("line\nfeed", "\"line\nfeed\"")]
    public void Fields_with_commas_quotes_or_line_breaks_are_quoted_with_their_quotes_doubled(string? value, string written) =>
        Assert.Equal(written, Csv.Field(value));

    [Theory]
    [InlineData("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\"")]
    [InlineData("+15555550100", "'+15555550100")]
    [InlineData("-2+3", "'-2+3")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tcmd", "'\tcmd")]
    [InlineData("a=b", "a=b")]
    public void Cells_that_start_like_a_formula_are_prefixed_with_an_apostrophe(string value, string written) =>
        Assert.Equal(written, Csv.Field(value));

    [Fact]
    public void A_row_ends_with_crlf_and_the_header_names_every_column()
    {
        var message = new MessageEntry(Guid.Parse("0193a000-0000-7000-8000-000000000001"), "••••••••0100", "mbr_1", "transactional", "verify",
            "Your Alle verification code is ••••••. It expires in 10 minutes.", "GSM-7", 1, "delivered", null,
            new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero), "SM1", null, null, null,
            new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero).AddTicks(1230), new DateTimeOffset(2026, 12, 7, 9, 0, 1, TimeSpan.Zero), 0.0079m);

        var row = MessageLogCsv.Row(message);

        Assert.Equal("2026-12-07T09:00:00.000123Z,0193a000-0000-7000-8000-000000000001,••••••••0100,mbr_1,,transactional,verify,delivered,GSM-7,1,0.0079,"
            + "Your Alle verification code is ••••••. It expires in 10 minutes.,,,SM1\r\n", row);
        Assert.Equal(MessageLogCsv.SentHeader.Split(',').Length, row.Split(',').Length);
        Assert.StartsWith("created_at,id,to,", MessageLogCsv.SentHeader, StringComparison.Ordinal);
    }

    [Fact]
    public void The_pages_days_are_whole_utc_days_and_the_last_one_is_included()
    {
        var page = new MessagesModel(null!) { From = new DateOnly(2026, 12, 1), To = new DateOnly(2026, 12, 7), Phone = " (555) 010-0123 ", Status = "" };

        var search = page.Search();

        Assert.Equal(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero), search.From);
        Assert.Equal(new DateTimeOffset(2026, 12, 8, 0, 0, 0, TimeSpan.Zero), search.To);
        Assert.Equal("(555) 010-0123", search.Phone);
        Assert.Null(search.Status);
        Assert.Contains("from=2026-12-01T00%3A00%3A00.0000000%2B00%3A00", search.QueryParameters());
    }

    [Theory]
    [InlineData(0.0079, "USD", "$0.0079")]
    [InlineData(1.5, "USD", "$1.50")]
    [InlineData(0.41, "EUR", "0.41 EUR")]
    public void Costs_are_written_with_up_to_four_decimals(decimal amount, string currency, string written) =>
        Assert.Equal(written, MessagesModel.Money(amount, currency));
}
