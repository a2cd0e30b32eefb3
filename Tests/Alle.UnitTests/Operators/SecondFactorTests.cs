using Alle.Web.Operators;
using Alle.Web.Pages.Console;

namespace Alle.UnitTests.Operators;

public sealed class SecondFactorTests
{
    private static readonly DateTimeOffset s_now = new(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("+15555550142", "•••• 0142")]
    [InlineData("+447700900123", "•••• 0123")]
    [InlineData(null, "none")]
    [InlineData("123", "none")]
    public void An_operators_phone_shows_only_its_last_four_digits(string? phone, string shown)
    {
        Assert.Equal(shown, OperatorPhone.Masked(phone));
    }

    [Fact]
    public void Only_a_second_factor_that_is_on_with_a_proven_phone_asks_for_a_code()
    {
        var account = new OperatorAccount(Guid.NewGuid(), "a@example.com", "marketer", "", 0, null, null, s_now, null);
        Assert.False(account.NeedsCode);
        Assert.False((account with { Phone = "+15555550142" }).NeedsCode);
        Assert.False((account with { SecondFactor = true }).NeedsCode);
        Assert.True((account with { Phone = "+15555550142", SecondFactor = true }).NeedsCode);
    }

    [Theory]
    [InlineData("approved", CodeOutcome.SignedIn)]
    [InlineData("pending", CodeOutcome.Wrong)]
    [InlineData("expired", CodeOutcome.Expired)]
    [InlineData("max_attempts_reached", CodeOutcome.TooManyWrong)]
    [InlineData("something new", CodeOutcome.Wrong)]
    public void Messagings_check_statuses_are_read_as_outcomes(string status, CodeOutcome outcome)
    {
        Assert.Equal(outcome, CodeChecks.Outcome(status));
    }

    [Fact]
    public void Each_failed_code_is_explained_differently()
    {
        var explanations = new[] { CodeOutcome.Wrong, CodeOutcome.Expired, CodeOutcome.TooManyWrong }.Select(CodeChecks.Explain).ToList();
        Assert.Equal(3, explanations.Distinct().Count());
        Assert.Contains("expired", explanations[1], StringComparison.Ordinal);
        Assert.Contains("Too many", explanations[2], StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("123456", "123456")]
    [InlineData(" 123 456 ", "123456")]
    [InlineData("123-456", "123456")]
    [InlineData("12345", null)]
    [InlineData("1234567", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    [InlineData("1 2 3 4 5 6 and a lot of other text", null)]
    public void A_code_is_six_digits_as_typed(string? typed, string? read)
    {
        Assert.Equal(read, CodeChecks.Read(typed));
    }

    [Theory]
    [InlineData("/console/profiles?by=phone", "/console/profiles?by=phone")]
    [InlineData("/home", "/console")]
    [InlineData("//evil.example/console", "/console")]
    [InlineData("https://evil.example/console", "/console")]
    [InlineData(null, "/console")]
    public void After_sign_in_only_a_console_page_is_returned_to(string? returnUrl, string target)
    {
        Assert.Equal(target, SignInModel.SafeReturnUrl(returnUrl));
    }
}
