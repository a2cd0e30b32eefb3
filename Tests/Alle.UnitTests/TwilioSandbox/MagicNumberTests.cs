using Alle.TwilioSandbox.Apis;
using Alle.TwilioSandbox.Phones;

namespace Alle.UnitTests.TwilioSandbox;

public sealed class MagicNumberTests
{
    [Theory]
    [InlineData("+15005550001", 21211)]
    [InlineData("+15005550002", 21612)]
    [InlineData("+15005550003", 21408)]
    [InlineData("+15005550004", 21610)]
    [InlineData("+15005550009", 21614)]
    public void Magic_to_numbers_are_refused_with_twilios_documented_errors(string to, int code)
    {
        Assert.Equal(code, MagicNumbers.CheckTo(to)?.Code);
        Assert.Equal(400, MagicNumbers.CheckTo(to)?.Status);
    }

    [Theory]
    [InlineData("+15005550001", 21212)]
    [InlineData("+15005550007", 21606)]
    [InlineData("+15005550008", 21611)]
    public void Magic_from_numbers_are_refused_with_twilios_documented_errors(string from, int code)
    {
        Assert.Equal(code, MagicNumbers.CheckFrom(from)?.Code);
    }

    [Fact]
    public void The_valid_magic_sender_and_ordinary_recipients_pass()
    {
        Assert.Null(MagicNumbers.CheckFrom(MagicNumbers.ValidFrom));
        Assert.Null(MagicNumbers.CheckTo("+15555550100"));
        Assert.Null(MagicNumbers.CheckTo("+15005550006"));
    }

    [Theory]
    [InlineData("+15555530003", "undelivered", 30003)]
    [InlineData("+15555530005", "undelivered", 30005)]
    [InlineData("+15555530007", "undelivered", 30007)]
    [InlineData("+15555530008", "failed", 30008)]
    [InlineData("+15555530002", "delivered", null)]
    [InlineData("+15555550100", "delivered", null)]
    public void Delivery_failures_follow_the_sandbox_convention_on_the_last_five_digits(string to, string status, int? code)
    {
        Assert.Equal((status, code), MagicNumbers.DeliveryOutcome(to));
    }

    [Theory]
    [InlineData("+15555550100", true)]
    [InlineData("+447700900123", true)]
    [InlineData("15555550100", false)]
    [InlineData("+1555", false)]
    [InlineData("+0123456789", false)]
    [InlineData("+1555555O100", false)]
    public void Recipients_must_be_e164(string number, bool valid)
    {
        Assert.Equal(valid, MagicNumbers.IsE164(number));
    }

    [Theory]
    [InlineData("STOP", true)]
    [InlineData(" stop all ", true)]
    [InlineData("Unsubscribe", true)]
    [InlineData("start", false)]
    [InlineData("YES", false)]
    [InlineData("HELP", null)]
    [InlineData("stop please", null)]
    public void Opt_out_keywords_block_and_unblock_a_number(string body, bool? optsOut)
    {
        Assert.Equal(optsOut, OptOutKeywords.OptsOut(body));
    }

    [Fact]
    public void Twiml_replies_are_read_from_message_verbs()
    {
        Assert.Equal(["You are unsubscribed."], InboxApi.ReadTwimlMessages("<?xml version=\"1.0\"?><Response><Message>You are unsubscribed.</Message></Response>"));
        Assert.Equal(["One", "Two & three"], InboxApi.ReadTwimlMessages("<Response><Message><Body>One</Body></Message><Message>Two &amp; three</Message></Response>"));
        Assert.Empty(InboxApi.ReadTwimlMessages("<Response></Response>"));
        Assert.Empty(InboxApi.ReadTwimlMessages("not xml"));
    }

    [Fact]
    public void Message_sids_have_twilios_shape()
    {
        Assert.Matches("^SM[0-9a-f]{32}$", SandboxMessage.NewSid());
        Assert.NotEqual(SandboxMessage.NewSid(), SandboxMessage.NewSid());
    }
}
