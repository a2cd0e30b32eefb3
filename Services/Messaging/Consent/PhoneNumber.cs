using PhoneNumbers;

namespace Alle.Messaging.Consent;

/// <summary>Phone numbers in E.164, the only form stored or compared.</summary>
internal static class PhoneNumber
{
    private static readonly PhoneNumberUtil s_util = PhoneNumberUtil.GetInstance();

    /// <summary>The number in E.164 (<c>+15555550100</c>), or null when it cannot be a phone number.</summary>
    public static string? Normalize(string? input, string defaultRegion = "US")
    {
        if (string.IsNullOrWhiteSpace(input) || input.Length > 32)
        {
            return null;
        }
        try
        {
            var parsed = s_util.Parse(input, defaultRegion);
            // Twilio's magic test numbers (+1500555xxxx) are not assigned numbers; accept any well-formed +1 NANP number.
            return s_util.IsPossibleNumber(parsed) ? s_util.Format(parsed, PhoneNumberFormat.E164) : null;
        }
        catch (NumberParseException)
        {
            return null;
        }
    }
}
