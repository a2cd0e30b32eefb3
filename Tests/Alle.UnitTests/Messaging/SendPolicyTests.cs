using Alle.Messaging.Sending;
using Microsoft.Extensions.Time.Testing;

namespace Alle.UnitTests.Messaging;

/// <summary>Consent, quiet hours and the frequency cap as decided at send time, on a fake clock.</summary>
public sealed class SendPolicyTests
{
    private static readonly TimeZoneInfo s_newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly TimeZoneInfo s_losAngeles = TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles");
    private static readonly ConsentState s_marketingConsent = new(true, true, false);

    [Theory]
    [InlineData(20, 59, false)]
    [InlineData(21, 0, true)]
    [InlineData(23, 30, true)]
    [InlineData(3, 0, true)]
    [InlineData(7, 59, true)]
    [InlineData(8, 0, false)]
    [InlineData(12, 0, false)]
    public void Default_quiet_hours_run_from_nine_at_night_to_eight_in_the_morning(int hour, int minute, bool quiet)
    {
        Assert.Equal(quiet, QuietHours.Default.Contains(new TimeOnly(hour, minute)));
    }

    [Fact]
    public void A_marketing_text_at_night_is_deferred_to_eight_the_next_morning_in_the_members_zone()
    {
        // 22:30 in New York on 10 March 2026 (EDT, UTC-4).
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 3, 10, 22, 30, 0, TimeSpan.FromHours(-4)));

        var decision = SendPolicy.Decide(MessageCategory.Marketing, s_marketingConsent, clock.GetUtcNow(), s_newYork, QuietHours.Default);

        var defer = Assert.IsType<SendDecision.Defer>(decision);
        Assert.Equal(new DateTimeOffset(2026, 3, 11, 8, 0, 0, TimeSpan.FromHours(-4)), defer.Until);

        clock.SetUtcNow(defer.Until);
        Assert.IsType<SendDecision.Send>(SendPolicy.Decide(MessageCategory.Marketing, s_marketingConsent, clock.GetUtcNow(), s_newYork, QuietHours.Default));
    }

    [Fact]
    public void Early_morning_defers_to_eight_the_same_day()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 7, 1, 6, 15, 0, TimeSpan.FromHours(-4)));

        var defer = Assert.IsType<SendDecision.Defer>(SendPolicy.Decide(MessageCategory.Marketing, s_marketingConsent, clock.GetUtcNow(), s_newYork, QuietHours.Default));

        Assert.Equal(new DateTimeOffset(2026, 7, 1, 8, 0, 0, TimeSpan.FromHours(-4)), defer.Until);
    }

    [Fact]
    public void The_same_instant_can_be_quiet_in_one_zone_and_allowed_in_another()
    {
        // 21:30 in New York is 18:30 in Los Angeles.
        var now = new DateTimeOffset(2026, 5, 5, 21, 30, 0, TimeSpan.FromHours(-4));

        Assert.IsType<SendDecision.Defer>(SendPolicy.Decide(MessageCategory.Marketing, s_marketingConsent, now, s_newYork, QuietHours.Default));
        Assert.IsType<SendDecision.Send>(SendPolicy.Decide(MessageCategory.Marketing, s_marketingConsent, now, s_losAngeles, QuietHours.Default));
    }

    [Fact]
    public void Quiet_hours_end_at_local_eight_across_a_daylight_saving_change()
    {
        // 23:00 EST on 7 March 2026; clocks spring forward at 02:00 on 8 March, so 08:00 that morning is EDT (UTC-4).
        var now = new DateTimeOffset(2026, 3, 7, 23, 0, 0, TimeSpan.FromHours(-5));

        var defer = Assert.IsType<SendDecision.Defer>(SendPolicy.Decide(MessageCategory.Marketing, s_marketingConsent, now, s_newYork, QuietHours.Default));

        Assert.Equal(new DateTimeOffset(2026, 3, 8, 8, 0, 0, TimeSpan.FromHours(-4)), defer.Until);
        Assert.Equal(TimeSpan.FromHours(8), defer.Until - now);
    }

    [Fact]
    public void Configured_daytime_quiet_hours_work_too()
    {
        var lunch = new QuietHours(new TimeOnly(12, 0), new TimeOnly(13, 0));
        var now = new DateTimeOffset(2026, 5, 5, 12, 30, 0, TimeSpan.Zero);

        var defer = Assert.IsType<SendDecision.Defer>(SendPolicy.Decide(MessageCategory.Marketing, s_marketingConsent, now, TimeZoneInfo.Utc, lunch));

        Assert.Equal(new DateTimeOffset(2026, 5, 5, 13, 0, 0, TimeSpan.Zero), defer.Until);
        Assert.False(new QuietHours(new TimeOnly(9, 0), new TimeOnly(9, 0)).Contains(new TimeOnly(9, 0)));
    }

    [Fact]
    public void Transactional_texts_bypass_quiet_hours_and_need_no_marketing_consent()
    {
        var threeAm = new DateTimeOffset(2026, 5, 5, 3, 0, 0, TimeSpan.FromHours(-4));

        Assert.IsType<SendDecision.Send>(SendPolicy.Decide(MessageCategory.Transactional, ConsentState.None, threeAm, s_newYork, QuietHours.Default));
        Assert.IsType<SendDecision.Send>(SendPolicy.Decide(MessageCategory.Transactional, new(true, false, false), threeAm, s_newYork, QuietHours.Default));
    }

    [Fact]
    public void Nobody_who_opted_out_is_texted_whatever_the_category()
    {
        var noon = new DateTimeOffset(2026, 5, 5, 12, 0, 0, TimeSpan.FromHours(-4));
        var stopped = new ConsentState(false, false, false);
        var suppressed = new ConsentState(null, null, true);

        Assert.Equal(new SendDecision.Skip(SendPolicy.Reasons.OptedOut), SendPolicy.Decide(MessageCategory.Transactional, stopped, noon, s_newYork, QuietHours.Default));
        Assert.Equal(new SendDecision.Skip(SendPolicy.Reasons.OptedOut), SendPolicy.Decide(MessageCategory.Marketing, stopped, noon, s_newYork, QuietHours.Default));
        Assert.Equal(new SendDecision.Skip(SendPolicy.Reasons.Suppressed), SendPolicy.Decide(MessageCategory.Transactional, suppressed, noon, s_newYork, QuietHours.Default));
    }

    [Theory]
    [InlineData(null)]
    [InlineData(false)]
    public void Marketing_needs_explicit_marketing_consent(bool? marketing)
    {
        var noon = new DateTimeOffset(2026, 5, 5, 12, 0, 0, TimeSpan.FromHours(-4));

        var decision = SendPolicy.Decide(MessageCategory.Marketing, new ConsentState(true, marketing, false), noon, s_newYork, QuietHours.Default);

        Assert.Equal(new SendDecision.Skip(SendPolicy.Reasons.NoMarketingConsent), decision);
    }

    [Fact]
    public void The_frequency_cap_allows_three_marketing_texts_per_rolling_week()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 5, 1, 12, 0, 0, TimeSpan.Zero));
        var cap = FrequencyCap.Default;
        var sends = new List<DateTimeOffset>();

        for (var i = 0; i < 3; i++)
        {
            Assert.True(cap.Allows(sends, clock.GetUtcNow()));
            sends.Add(clock.GetUtcNow());
            clock.Advance(TimeSpan.FromDays(1));
        }
        Assert.False(cap.Allows(sends, clock.GetUtcNow()));

        // The first send leaves the window exactly seven days after it was made.
        clock.SetUtcNow(sends[0] + TimeSpan.FromDays(7) - TimeSpan.FromSeconds(1));
        Assert.False(cap.Allows(sends, clock.GetUtcNow()));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.True(cap.Allows(sends, clock.GetUtcNow()));
    }

    [Theory]
    [InlineData("America/Los_Angeles", "America/New_York", "America/Los_Angeles")]
    [InlineData(null, "America/New_York", "America/New_York")]
    [InlineData("Not/AZone", "America/Chicago", "America/Chicago")]
    [InlineData("  Europe/Paris ", "America/New_York", "Europe/Paris")]
    [InlineData(null, "Nowhere/Either", "UTC")]
    public void Quiet_hours_use_the_members_time_zone_trait_else_the_programs(string? trait, string program, string expected)
    {
        Assert.Equal(expected, RecipientTimeZone.Resolve(trait, program).Id);
    }
}
