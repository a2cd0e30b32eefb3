using PhoneNumbers;

namespace Alle.Web.Formatting;

/// <summary>Phone numbers written for people: "(212) 555-0141" for a US number, "+44 20 7946 0958" for another; a tel: link target in E.164.</summary>
public static class PhoneDisplay
{
    private static readonly PhoneNumberUtil s_util = PhoneNumberUtil.GetInstance();

    public static string Format(string? e164)
    {
        if (string.IsNullOrWhiteSpace(e164))
        {
            return "";
        }
        try
        {
            var parsed = s_util.Parse(e164, "US");
            return s_util.Format(parsed, parsed.CountryCode == 1 ? PhoneNumberFormat.NATIONAL : PhoneNumberFormat.INTERNATIONAL);
        }
        catch (NumberParseException)
        {
            return e164;
        }
    }

    /// <summary>For a tel: link: the digits with the country code, nothing else.</summary>
    public static string TelLink(string e164) => "tel:" + new string([.. e164.Where(c => char.IsAsciiDigit(c) || c == '+')]);
}
