using PhoneNumbers;

namespace Alle.Loyalty.Members;

/// <summary>Phone numbers in E.164, the one form members are matched by (a provider's pre-registration and the member's enrolment meet on it).</summary>
internal static class PhoneNumber
{
    private static readonly PhoneNumberUtil s_util = PhoneNumberUtil.GetInstance();

    /// <summary>The E.164 form (<c>+12015550123</c>) of a number typed in any common format (US by default), or null if it cannot be a phone number.</summary>
    public static string? ToE164(string? typed)
    {
        if (string.IsNullOrWhiteSpace(typed) || typed.Length > 32)
        {
            return null;
        }
        try
        {
            var number = s_util.Parse(typed, "US");
            // "Possible" rather than "valid": fictional 555 numbers used in demos and tests must be accepted.
            return s_util.IsPossibleNumber(number) ? s_util.Format(number, PhoneNumberFormat.E164) : null;
        }
        catch (NumberParseException)
        {
            return null;
        }
    }
}
