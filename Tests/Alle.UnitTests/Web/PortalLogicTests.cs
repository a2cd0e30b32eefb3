using Alle.Platform.Authentication;
using Alle.Web.Authentication;
using Alle.Web.Charts;
using Alle.Web.Pages.SignIn;
using Alle.Web.Tracking;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;

namespace Alle.UnitTests.Web;

public sealed class PortalLogicTests
{
    [Fact]
    public void Member_tokens_are_reused_until_ten_minutes_before_they_expire_then_renewed_and_always_valid_when_handed_out()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2025-03-01T10:00:00Z"));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [MemberTokens.ConfigurationKey] = "test-signing-key" }).Build();
        var tokens = new MemberTokens(configuration, clock);
        var provider = new MemberTokenProvider(tokens, clock);

        var first = provider.TokenFor("mbr_a");
        clock.Advance(TimeSpan.FromMinutes(49));
        Assert.Same(first, provider.TokenFor("mbr_a"));
        Assert.Equal("mbr_a", tokens.Validate(first));

        clock.Advance(TimeSpan.FromMinutes(2));
        var renewed = provider.TokenFor("mbr_a");
        Assert.NotEqual(first, renewed);
        clock.Advance(TimeSpan.FromMinutes(50));
        Assert.Equal("mbr_a", tokens.Validate(renewed));
        Assert.NotEqual(provider.TokenFor("mbr_a"), provider.TokenFor("mbr_b"));
    }

    [Fact]
    public void The_consent_wording_sent_to_enrolment_is_the_text_shown_with_the_members_choice()
    {
        Assert.Equal($"{ConsentWording.Transactional}\n[x] {ConsentWording.Marketing}", ConsentWording.AsShown(marketing: true));
        Assert.Equal($"{ConsentWording.Transactional}\n[ ] {ConsentWording.Marketing}", ConsentWording.AsShown(marketing: false));
        Assert.Contains("STOP", ConsentWording.Marketing, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/Index", "Welcome")]
    [InlineData("/SignIn/Index", "SignIn")]
    [InlineData("/SignIn/Code", "Code")]
    [InlineData("/Account/Home", "Home")]
    [InlineData("/Providers", "Providers")]
    public void Page_calls_are_named_after_the_page(string path, string name) => Assert.Equal(name, PageViewTracking.NameOf(path));

    [Fact]
    public void The_qr_code_is_inline_svg_labelled_with_the_coupon()
    {
        var html = QrCode.Svg("9Z2V-RJ7F-VAJG", "QR code for coupon 9Z2V-RJ7F-VAJG").ToString()!;

        Assert.Contains("<svg", html, StringComparison.Ordinal);
        Assert.Contains("aria-label=\"QR code for coupon 9Z2V-RJ7F-VAJG\"", html, StringComparison.Ordinal);
    }
}
