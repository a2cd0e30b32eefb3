namespace Alle.Messaging.Sending;

internal enum MessageCategory
{
    Transactional,
    Marketing,
}

/// <summary>What we hold about a number's consent: null where nothing was ever recorded.</summary>
internal sealed record ConsentState(bool? Transactional, bool? Marketing, bool Suppressed)
{
    public static ConsentState None { get; } = new(null, null, false);
}

internal abstract record SendDecision
{
    public sealed record Send : SendDecision;

    public sealed record Defer(DateTimeOffset Until) : SendDecision;

    public sealed record Skip(string Reason) : SendDecision;
}

/// <summary>
/// The rules checked at send time, not when a message was requested: nobody who opted out (by keyword, portal or
/// deletion) is texted, whatever the category; marketing needs explicit marketing consent and waits out quiet hours.
/// Transactional texts (codes, receipts) bypass quiet hours and caps, but never an opt-out.
/// </summary>
internal static class SendPolicy
{
    public static class Reasons
    {
        public const string Suppressed = "suppressed";
        public const string OptedOut = "opted_out";
        public const string NoMarketingConsent = "no_marketing_consent";
        public const string FrequencyCap = "frequency_cap";
    }

    public static SendDecision Decide(MessageCategory category, ConsentState consent, DateTimeOffset now, TimeZoneInfo recipientZone, QuietHours quietHours)
    {
        if (consent.Suppressed)
        {
            return new SendDecision.Skip(Reasons.Suppressed);
        }
        if (consent.Transactional == false)
        {
            return new SendDecision.Skip(Reasons.OptedOut);
        }
        if (category == MessageCategory.Transactional)
        {
            return new SendDecision.Send();
        }
        if (consent.Marketing != true)
        {
            return new SendDecision.Skip(Reasons.NoMarketingConsent);
        }
        var allowed = quietHours.NextAllowed(now, recipientZone);
        return allowed > now ? new SendDecision.Defer(allowed) : new SendDecision.Send();
    }
}

/// <summary>At most <see cref="Limit"/> marketing texts per member in any rolling <see cref="Window"/>.</summary>
internal sealed record FrequencyCap(int Limit, TimeSpan Window)
{
    public static FrequencyCap Default { get; } = new(3, TimeSpan.FromDays(7));

    public bool Allows(IEnumerable<DateTimeOffset> previousSends, DateTimeOffset now) =>
        previousSends.Count(sent => sent > now - Window && sent <= now) < Limit;
}
