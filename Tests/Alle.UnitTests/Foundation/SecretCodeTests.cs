using Alle.Testing;
using Xunit.Sdk;

namespace Alle.UnitTests.Foundation;

/// <summary>The check the sign-in tests use to prove a one-time code shows nowhere: it must catch a code and only a code.</summary>
public sealed class SecretCodeTests
{
    [Theory]
    [InlineData("Your Alle verification code is 482913. It expires in 10 minutes.")]
    [InlineData("""{"body":"482913"}""")]
    [InlineData("code=482913&phone=x")]
    [InlineData("482913")]
    public void A_code_standing_alone_is_caught(string content) =>
        Assert.Throws<FailException>(() => SecretCode.AssertHidden("482913", content, "the page"));

    [Theory]
    [InlineData("""{"startTimeUnixNano":"1765134829130000000"}""")]
    [InlineData("+15554829131")]
    [InlineData("""{"spanId":"a1482913bc04de77"}""")]
    [InlineData("Your Alle verification code is ••••••.")]
    public void The_same_digits_inside_a_longer_number_or_id_are_not_the_code(string content) =>
        SecretCode.AssertHidden("482913", content, "the page");
}
