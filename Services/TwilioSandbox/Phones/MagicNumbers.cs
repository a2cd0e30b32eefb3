namespace Alle.TwilioSandbox.Phones;

/// <summary>A refusal in Twilio's terms.</summary>
internal sealed record TwilioRefusal(int Code, string Message, int Status = 400);

/// <summary>
/// Twilio's test-credential magic numbers, behaving as Twilio documents them, plus the sandbox's own convention for
/// delivery failures: a To number whose last five digits are 30003–30008 is accepted, then fails delivery with that
/// error code (30008 as failed, the others as undelivered).
/// </summary>
internal static class MagicNumbers
{
    public const string ValidFrom = "+15005550006";

    public static TwilioRefusal? CheckFrom(string from) => from switch
    {
        "+15005550001" => new(21212, $"The 'From' number {from} is not a valid phone number, shortcode, or alphanumeric sender ID."),
        "+15005550007" => new(21606, $"The 'From' phone number provided ({from}) is not a valid message-capable Twilio phone number for this destination/account."),
        "+15005550008" => new(21611, $"This 'From' number ({from}) has exceeded the maximum number of queued messages."),
        _ => null,
    };

    public static TwilioRefusal? CheckTo(string to) => to switch
    {
        "+15005550001" => new(21211, $"The 'To' number {to} is not a valid phone number."),
        "+15005550002" => new(21612, $"The 'To' phone number: {to}, is not currently reachable using the 'From' phone number via SMS."),
        "+15005550003" => new(21408, $"Permission to send an SMS has not been enabled for the region indicated by the 'To' number: {to}."),
        "+15005550004" => new(21610, "Attempt to send to unsubscribed recipient"),
        "+15005550009" => new(21614, $"'To' number {to} is not a valid mobile number"),
        _ => null,
    };

    /// <summary>The delivery outcome of an accepted message: delivered, or a 3000x failure by the sandbox convention.</summary>
    public static (string Status, int? ErrorCode) DeliveryOutcome(string to) =>
        to.Length > 5 && int.TryParse(to[^5..], out var tail) && tail is >= 30003 and <= 30008
            ? (tail == 30008 ? "failed" : "undelivered", tail)
            : ("delivered", null);

    /// <summary>True when the text can be an E.164 number Twilio would accept as a To.</summary>
    public static bool IsE164(string value) => value.Length is >= 8 and <= 16 && value[0] == '+' && value[1] != '0' && value[1..].All(char.IsAsciiDigit);
}

/// <summary>Twilio's default opt-out handling: these whole-message keywords from a number block or unblock it.</summary>
internal static class OptOutKeywords
{
    private static readonly HashSet<string> s_stop = ["STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE"];
    private static readonly HashSet<string> s_start = ["START", "UNSTOP", "YES"];

    public static bool? OptsOut(string body)
    {
        var normalized = string.Join(' ', body.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)).ToUpperInvariant();
        return s_stop.Contains(normalized) ? true : s_start.Contains(normalized) ? false : null;
    }
}
