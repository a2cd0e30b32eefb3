namespace Alle.Messaging.Twilio;

/// <summary>Twilio account settings (section <c>Twilio</c>): the real API in production, the sandbox in development.</summary>
internal sealed class TwilioOptions
{
    public const string Section = "Twilio";

    public string BaseUrl { get; set; } = "https://api.twilio.com";

    public string AccountSid { get; set; } = "";

    public string AuthToken { get; set; } = "";

    /// <summary>The sender number (E.164); used unless <see cref="MessagingServiceSid"/> is set.</summary>
    public string? From { get; set; }

    public string? MessagingServiceSid { get; set; }

    /// <summary>Messages per second per sender (Twilio's long codes take about 1; toll-free and short codes more).</summary>
    public double MessagesPerSecond { get; set; } = 10;

    /// <summary>Retries of a request Twilio answered with 429 or 5xx.</summary>
    public int MaxRetries { get; set; } = 3;

    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(20);

    public string Sender => MessagingServiceSid ?? From ?? "";
}
