using PhoneNumbers;

namespace Alle.Platform.Identifiers;

/// <summary>
/// The one reading of phone numbers on the platform: E.164 is the only form stored, compared, suppressed or deleted by.
/// Numbers without a country code are read in <see cref="DefaultRegion"/>. A number must be <em>possible</em> (a length
/// its country's numbers have, dialable from anywhere), not <em>valid</em>: validity would refuse the fictional
/// 555-01xx numbers of demos and tests and Twilio's +1500555xxxx test numbers, and changes as numbering plans do.
/// </summary>
public sealed class PhoneNumberNormalizer
{
    /// <summary>Longest raw value read; a typed number with spaces, dashes and an extension fits easily.</summary>
    public const int MaxInputLength = 64;

    private static readonly PhoneNumberUtil s_util = PhoneNumberUtil.GetInstance();

    /// <param name="defaultRegion">ISO 3166-1 alpha-2 code (e.g. <c>US</c>, <c>GB</c>) of the region libphonenumber supports.</param>
    public PhoneNumberNormalizer(string defaultRegion)
    {
        var region = defaultRegion.Trim().ToUpperInvariant();
        if (!s_util.GetSupportedRegions().Contains(region))
        {
            throw new ArgumentException($"'{defaultRegion}' is not a region phone numbers can be read in (an ISO 3166-1 alpha-2 code such as US or GB).",
                nameof(defaultRegion));
        }
        DefaultRegion = region;
    }

    /// <summary>The region numbers written without a country code are read in.</summary>
    public string DefaultRegion { get; }

    /// <summary>The E.164 form of <paramref name="raw"/>, or null when it is not a possible phone number.</summary>
    public string? ToE164(string? raw) => Read(raw).E164;

    /// <summary>Reads a number as people and systems write it: spaces, dashes, dots, parentheses, a leading + or 00, an extension (dropped).</summary>
    public PhoneNumberReading Read(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return PhoneNumberReading.Refused(PhoneNumberRefusal.Missing);
        }
        if (raw.Length > MaxInputLength)
        {
            return PhoneNumberReading.Refused(PhoneNumberRefusal.InputTooLong);
        }

        var typed = raw.Trim();
        // libphonenumber skips whatever precedes the first digit and reads letters as a keypad's: "order-869e46e15f"
        // would become +18693463153. A number starts as one is written (vanity letters after its digits still read).
        if (!(char.IsAsciiDigit(typed[0]) || typed[0] is '+' or '('))
        {
            return PhoneNumberReading.Refused(PhoneNumberRefusal.NotANumber);
        }

        PhoneNumber number;
        try
        {
            number = s_util.Parse(typed, DefaultRegion);
        }
        catch (NumberParseException exception)
        {
            return PhoneNumberReading.Refused(exception.ErrorType switch
            {
                ErrorType.INVALID_COUNTRY_CODE => PhoneNumberRefusal.UnknownCountryCode,
                ErrorType.TOO_SHORT_AFTER_IDD or ErrorType.TOO_SHORT_NSN => PhoneNumberRefusal.TooShort,
                ErrorType.TOO_LONG => PhoneNumberRefusal.TooLong,
                _ => PhoneNumberRefusal.NotANumber,
            });
        }

        return s_util.IsPossibleNumberWithReason(number) switch
        {
            PhoneNumberUtil.ValidationResult.IS_POSSIBLE => PhoneNumberReading.Number(s_util.Format(number, PhoneNumberFormat.E164)),
            PhoneNumberUtil.ValidationResult.INVALID_COUNTRY_CODE => PhoneNumberReading.Refused(PhoneNumberRefusal.UnknownCountryCode),
            PhoneNumberUtil.ValidationResult.TOO_SHORT => PhoneNumberReading.Refused(PhoneNumberRefusal.TooShort),
            PhoneNumberUtil.ValidationResult.TOO_LONG => PhoneNumberReading.Refused(PhoneNumberRefusal.TooLong),
            // IS_POSSIBLE_LOCAL_ONLY too: a number without its area code has no E.164 form.
            _ => PhoneNumberReading.Refused(PhoneNumberRefusal.ImpossibleLength),
        };
    }
}
