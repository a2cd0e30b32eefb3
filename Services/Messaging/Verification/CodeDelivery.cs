using Alle.Messaging.Sending;
using Alle.Messaging.Twilio;

namespace Alle.Messaging.Verification;

/// <summary>
/// What became of a code's text, in words a sign-in page can act on: on its way, delivered, or not deliverable and why —
/// the number opted out (text START to the program's number), cannot be reached by text, or is not a mobile number.
/// </summary>
internal static class CodeDelivery
{
    public const string Sending = "sending";
    public const string Delivered = "delivered";
    public const string Failed = "failed";

    public const string OptedOut = "opted_out";
    public const string Unroutable = "unroutable";
    public const string NotMobile = "not_mobile";
    public const string InvalidNumber = "invalid_number";
    public const string Undelivered = "undelivered";

    /// <summary>Whether texts to a number are stopped: it opted out of everything (STOP, the carrier, support) or was suppressed.</summary>
    public static bool Stopped(ConsentState state) => state.Suppressed || state.Transactional == false;

    public static (string Delivery, string? Reason) Of(string status, string? skipReason, int? errorCode) => status switch
    {
        MessageStatus.Delivered => (Delivered, null),
        MessageStatus.Skipped => (Failed, skipReason is SendPolicy.Reasons.OptedOut or SendPolicy.Reasons.Suppressed ? OptedOut : skipReason),
        MessageStatus.Failed or MessageStatus.Undelivered => (Failed, errorCode is { } code ? Reason(TwilioErrors.Classify(code)) : Undelivered),
        _ => (Sending, null),
    };

    private static string Reason(TwilioOutcome outcome) => outcome switch
    {
        TwilioOutcome.Unsubscribed => OptedOut,
        TwilioOutcome.Unroutable or TwilioOutcome.NoPermission => Unroutable,
        TwilioOutcome.NotMobile => NotMobile,
        TwilioOutcome.InvalidNumber => InvalidNumber,
        _ => Undelivered,
    };
}
