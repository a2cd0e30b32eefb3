namespace Alle.Messaging.Twilio;

/// <summary>What a Twilio error code means for us.</summary>
public enum TwilioOutcome
{
    InvalidNumber,
    Unsubscribed,
    NotMobile,
    Unroutable,
    NoPermission,
    DeliveryFailed,
    SenderProblem,
    Rejected,
}

/// <summary>Twilio's error codes (https://www.twilio.com/docs/api/errors) mapped to outcomes.</summary>
internal static class TwilioErrors
{
    public static TwilioOutcome Classify(int code) => code switch
    {
        21211 or 21217 or 21401 or 21421 => TwilioOutcome.InvalidNumber,
        21610 => TwilioOutcome.Unsubscribed,
        21614 or 30006 => TwilioOutcome.NotMobile,
        21612 => TwilioOutcome.Unroutable,
        21408 => TwilioOutcome.NoPermission,
        21212 or 21606 or 21611 or 21659 or 21660 => TwilioOutcome.SenderProblem,
        >= 30001 and <= 30010 => TwilioOutcome.DeliveryFailed,
        _ => TwilioOutcome.Rejected,
    };

    /// <summary>True when the recipient told the carrier STOP: our consent record must say so too.</summary>
    public static bool MeansOptedOut(int? code) => code is 21610;
}
