using Alle.Messaging.Consent;

namespace Alle.UnitTests.Messaging;

public sealed class ConsentKeywordTests
{
    [Theory]
    [InlineData("STOP", KeywordAction.OptOut)]
    [InlineData("stop", KeywordAction.OptOut)]
    [InlineData("  Stop \n", KeywordAction.OptOut)]
    [InlineData("STOPALL", KeywordAction.OptOut)]
    [InlineData("stop all", KeywordAction.OptOut)]
    [InlineData("STOP   ALL", KeywordAction.OptOut)]
    [InlineData("UNSUBSCRIBE", KeywordAction.OptOut)]
    [InlineData("Cancel", KeywordAction.OptOut)]
    [InlineData("end", KeywordAction.OptOut)]
    [InlineData("QUIT", KeywordAction.OptOut)]
    [InlineData("optout", KeywordAction.OptOut)]
    [InlineData("REVOKE", KeywordAction.OptOut)]
    [InlineData("START", KeywordAction.OptIn)]
    [InlineData("unstop", KeywordAction.OptIn)]
    [InlineData("Yes", KeywordAction.OptIn)]
    [InlineData("HELP", KeywordAction.Help)]
    [InlineData(" info ", KeywordAction.Help)]
    [InlineData("STOP!", KeywordAction.None)]
    [InlineData("please stop", KeywordAction.None)]
    [InlineData("STOP texting me", KeywordAction.None)]
    [InlineData("yes please", KeywordAction.None)]
    [InlineData("OPT OUT", KeywordAction.None)]
    [InlineData("S T O P", KeywordAction.None)]
    [InlineData("", KeywordAction.None)]
    [InlineData("   ", KeywordAction.None)]
    [InlineData(null, KeywordAction.None)]
    public void Keywords_match_the_whole_message_ignoring_case_and_whitespace(string? body, KeywordAction expected)
    {
        Assert.Equal(expected, ConsentKeywords.Classify(body));
    }

    [Fact]
    public void Stop_unsubscribes_every_category_with_its_evidence()
    {
        var at = new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

        var changes = KeywordConsent.ChangesFor(KeywordAction.OptOut, "+15555550100", [], "SMS \"STOP\" (SM1)", at, "inbound:SM1");

        Assert.Equal(["transactional", "marketing"], changes.Select(c => c.Category));
        Assert.All(changes, c =>
        {
            Assert.False(c.Subscribed);
            Assert.Equal("keyword", c.Source);
            Assert.Equal("SMS \"STOP\" (SM1)", c.Evidence);
            Assert.Equal(at, c.At);
        });
    }

    [Fact]
    public void Start_restores_marketing_only_where_a_texted_stop_ended_a_subscription_that_was_on()
    {
        var at = DateTimeOffset.UnixEpoch;
        ConsentAuditEntry Marketing(bool subscribed, string source) => new("marketing", subscribed, source, null, at);
        IReadOnlyList<string> StartAfter(params ConsentAuditEntry[] newestFirst) =>
            [.. KeywordConsent.ChangesFor(KeywordAction.OptIn, "+1", newestFirst, "START", at, "k").Select(c => c.Category)];

        Assert.Equal(["transactional", "marketing"], StartAfter(Marketing(false, "keyword"), Marketing(true, "enrolment:portal")));
        Assert.Equal(["transactional", "marketing"], StartAfter(Marketing(false, "carrier"), Marketing(false, "keyword"), Marketing(true, "portal")));
        Assert.Equal(["transactional"], StartAfter());
        Assert.Equal(["transactional"], StartAfter(Marketing(false, "keyword"), Marketing(false, "portal"), Marketing(true, "enrolment:portal")));
        Assert.Equal(["transactional"], StartAfter(Marketing(false, "keyword")));
        Assert.Equal(["transactional"], StartAfter(Marketing(true, "portal"), Marketing(false, "keyword"), Marketing(true, "portal")));
        Assert.All(KeywordConsent.ChangesFor(KeywordAction.OptIn, "+1", [Marketing(false, "keyword"), Marketing(true, "portal")], "START", at, "k"),
            c => Assert.True(c.Subscribed));
    }

    [Fact]
    public void Help_and_other_texts_change_no_consent()
    {
        Assert.Empty(KeywordConsent.ChangesFor(KeywordAction.Help, "+1", [], "HELP", DateTimeOffset.UnixEpoch, "k"));
        Assert.Empty(KeywordConsent.ChangesFor(KeywordAction.None, "+1", [], "hi", DateTimeOffset.UnixEpoch, "k"));
    }
}
