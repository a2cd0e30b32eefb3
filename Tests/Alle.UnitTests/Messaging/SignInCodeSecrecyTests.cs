using Alle.Messaging.Sending;
using Alle.Messaging.Verification;

namespace Alle.UnitTests.Messaging;

public sealed class SignInCodeSecrecyTests
{
    [Fact]
    public void The_log_keeps_the_code_masked_and_only_the_seal_holds_it_for_its_own_message()
    {
        var seal = new MessageSeal("a-member-token-key-of-forty-characters-xx");
        var id = Guid.NewGuid();
        const string sent = "Your Alle verification code is 482913. It expires in 10 minutes. Never share it.";

        var logged = MessageSeal.Mask(sent, "482913");
        var sealedBody = seal.Seal(id, sent);

        Assert.Equal("Your Alle verification code is ••••••. It expires in 10 minutes. Never share it.", logged);
        Assert.DoesNotContain("482913", System.Text.Encoding.UTF8.GetString(sealedBody), StringComparison.Ordinal);
        Assert.Equal(sent, seal.Open(id, sealedBody));
        Assert.Null(seal.Open(Guid.NewGuid(), sealedBody));
        Assert.Null(new MessageSeal("another-key-entirely-of-forty-characters").Open(id, sealedBody));
    }

    [Theory]
    [InlineData("skipped", "opted_out", null, "failed", "opted_out")]
    [InlineData("skipped", "suppressed", null, "failed", "opted_out")]
    [InlineData("failed", null, 21610, "failed", "opted_out")]
    [InlineData("failed", null, 21612, "failed", "unroutable")]
    [InlineData("failed", null, 21614, "failed", "not_mobile")]
    [InlineData("failed", null, 21211, "failed", "invalid_number")]
    [InlineData("undelivered", null, 30003, "failed", "undelivered")]
    [InlineData("delivered", null, null, "delivered", null)]
    [InlineData("queued", null, null, "sending", null)]
    [InlineData("pending", null, null, "sending", null)]
    public void What_became_of_a_code_s_text_is_told_in_words_a_page_can_act_on(string status, string? skipReason, int? errorCode, string delivery, string? reason) =>
        Assert.Equal((delivery, reason), CodeDelivery.Of(status, skipReason, errorCode));

    [Theory]
    [InlineData(false, null, false)]
    [InlineData(null, null, false)]
    [InlineData(true, false, false)]
    [InlineData(false, true, true)]
    public void Texts_are_stopped_when_every_category_is_off_or_the_number_is_suppressed(bool? transactionalOff, bool? _, bool suppressed)
    {
        var state = new ConsentState(transactionalOff is null ? null : !transactionalOff.Value, null, suppressed);
        Assert.Equal(transactionalOff == true || suppressed, CodeDelivery.Stopped(state));
    }
}
