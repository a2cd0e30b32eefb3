namespace Alle.Platform.Identifiers;

/// <summary>Why a raw value is not a phone number the platform stores or compares.</summary>
public enum PhoneNumberRefusal
{
    /// <summary>Null, empty or only whitespace.</summary>
    Missing,

    /// <summary>Longer than <see cref="PhoneNumberNormalizer.MaxInputLength"/> characters as given.</summary>
    InputTooLong,

    /// <summary>Not read as a number at all (words, punctuation, no digits).</summary>
    NotANumber,

    /// <summary>A "+" prefix names no country, or there is none and the default region cannot apply.</summary>
    UnknownCountryCode,

    /// <summary>Too few digits for any number of its country.</summary>
    TooShort,

    /// <summary>Too many digits for any number of its country.</summary>
    TooLong,

    /// <summary>A length no number of its country has, or a number only dialable locally (no area code).</summary>
    ImpossibleLength,
}

/// <summary>The outcome of reading a phone number: its E.164 form, or why it is not one.</summary>
public readonly record struct PhoneNumberReading
{
    private PhoneNumberReading(string? e164, PhoneNumberRefusal? refusal) => (E164, Refusal) = (e164, refusal);

    /// <summary>The number in E.164 (<c>+15555550100</c>); null when refused.</summary>
    public string? E164 { get; }

    /// <summary>Why the value was refused; null when it was read.</summary>
    public PhoneNumberRefusal? Refusal { get; }

    public bool IsNumber => E164 is not null;

    public static PhoneNumberReading Number(string e164) => new(e164, null);

    public static PhoneNumberReading Refused(PhoneNumberRefusal refusal) => new(null, refusal);

    // Never the number itself: readings may end up in logs and the value is personal data.
    public override string ToString() => IsNumber ? "PhoneNumberReading { number }" : $"PhoneNumberReading {{ refused: {Refusal} }}";
}
