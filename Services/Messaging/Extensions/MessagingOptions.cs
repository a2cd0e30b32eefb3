namespace Alle.Messaging.Extensions;

/// <summary>Program settings (section <c>Messaging</c>).</summary>
internal sealed class MessagingOptions
{
    public const string Section = "Messaging";

    /// <summary>The public entry Twilio reaches us through (the gateway); status callback URLs are built from it.</summary>
    public string PublicBaseUrl { get; set; } = "http://127.0.0.1:5080";

    public string ProgramName { get; set; } = "Allē";

    /// <summary>The program's time zone, used for quiet hours when a member has no <c>timezone</c> trait.</summary>
    public string TimeZone { get; set; } = "America/New_York";

    public TimeOnly QuietHoursStart { get; set; } = new(21, 0);

    public TimeOnly QuietHoursEnd { get; set; } = new(8, 0);

    public int FrequencyCapLimit { get; set; } = 3;

    public TimeSpan FrequencyCapWindow { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Parallel send loops per process; each claims one due message at a time, so this is also how many requests can be
    /// on their way to Twilio at once (and the most a crash can leave unconfirmed).
    /// </summary>
    public int DispatchConcurrency { get; set; } = 16;

    /// <summary>Parallel journey loops per process; each moves a batch of due entries at a time.</summary>
    public int JourneyConcurrency { get; set; } = 4;

    /// <summary>A message still `sending` without any word from Twilio after this long is marked failed, never resent.</summary>
    public TimeSpan UnconfirmedAfter { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The estimated price of one segment (USD by default), for the console's cost column; not Twilio's bill.</summary>
    public decimal PricePerSegment { get; set; } = Log.MessagePricing.DefaultPerSegment;

    /// <summary>Prices per segment of encodings that cost otherwise (e.g. <c>UCS-2</c>); the rest cost <see cref="PricePerSegment"/>.</summary>
    public Dictionary<string, decimal> PricePerSegmentByEncoding { get; set; } = new(StringComparer.Ordinal);

    public string PriceCurrency { get; set; } = "USD";

    public string HelpReply { get; set; } = "{0}: account alerts and offers by text. Msg frequency varies. Msg&data rates may apply. Reply STOP to cancel.";

    public string StopReply { get; set; } = "{0}: you are unsubscribed and will receive no further messages. Reply START to resubscribe.";

    public string StartReply { get; set; } = "{0}: you are resubscribed. Reply HELP for help, STOP to cancel.";

    public string CodeMessage { get; set; } = "Your {0} verification code is {1}. It expires in 10 minutes. Never share it.";
}
