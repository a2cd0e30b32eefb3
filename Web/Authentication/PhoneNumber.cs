using PhoneNumbers;

namespace Alle.Web.Authentication;

/// <summary>Phone numbers as people type them, read as E.164 (US by default, as the services do); "possible" numbers pass so 555 demo numbers work.</summary>
public static class PhoneNumber
{
    private static readonly PhoneNumberUtil s_util = PhoneNumberUtil.GetInstance();

    public static string? ToE164(string? input)
    {
        if (string.IsNullOrWhiteSpace(input) || input.Length > 32)
        {
            return null;
        }
        try
        {
            var parsed = s_util.Parse(input, "US");
            return s_util.IsPossibleNumber(parsed) ? s_util.Format(parsed, PhoneNumberFormat.E164) : null;
        }
        catch (NumberParseException)
        {
            return null;
        }
    }

    /// <summary>Only the last digits, for showing which number a code went to.</summary>
    public static string Mask(string e164) => e164.Length <= 4 ? "••••" : new string('•', e164.Length - 4) + e164[^4..];
}
