namespace Alle.Messaging.Sending;

/// <summary>
/// A message's life: pending → (deferred →) sending → queued → sent → delivered | undelivered | failed, or skipped.
/// Twilio's callbacks can arrive out of order; a status only ever moves forward.
/// </summary>
internal static class MessageStatus
{
    public const string Pending = "pending";
    public const string Deferred = "deferred";
    public const string Sending = "sending";
    public const string Queued = "queued";
    public const string Sent = "sent";
    public const string Delivered = "delivered";
    public const string Undelivered = "undelivered";
    public const string Failed = "failed";
    public const string Skipped = "skipped";

    public static readonly IReadOnlyList<string> All = [Pending, Deferred, Sending, Queued, Sent, Delivered, Undelivered, Failed, Skipped];

    public static int Rank(string status) => status switch
    {
        Pending or Deferred => 0,
        Sending => 1,
        Queued => 2,
        Sent => 3,
        Delivered or Undelivered or Failed or Skipped => 4,
        _ => -1,
    };

    public static bool IsFinal(string status) => Rank(status) == 4;

    /// <summary>Twilio's statuses in our vocabulary; null for those we do not track (receiving, read, …).</summary>
    public static string? FromTwilio(string? twilioStatus) => twilioStatus?.ToLowerInvariant() switch
    {
        "accepted" or "scheduled" or "queued" or "sending" => Queued,
        "sent" => Sent,
        "delivered" or "read" => Delivered,
        "undelivered" => Undelivered,
        "failed" or "canceled" => Failed,
        _ => null,
    };

    /// <summary>True when <paramref name="next"/> may replace <paramref name="current"/>.</summary>
    public static bool CanMove(string current, string next) => Rank(next) > Rank(current);
}
