using System.Text;

namespace Alle.Messaging.Sending;

/// <summary>How an SMS body is encoded and how many segments it costs.</summary>
internal sealed record SegmentCount(string Encoding, int Units, int Segments);

/// <summary>
/// GSM 03.38 vs UCS-2 segment counting, as carriers bill it. A body written entirely in the GSM-7 basic set and its
/// extension table goes as GSM-7 (extension characters take two septets: escape + character); 160 septets fit one
/// segment, longer bodies are split into 153-septet parts (the user-data header takes 7) and an escape pair never
/// straddles two parts. Anything else goes as UCS-2: 70 UTF-16 units in one segment, 67 per part, and a surrogate pair
/// (most emoji) never straddles two parts.
/// </summary>
internal static class SegmentCounter
{
    public const string Gsm7 = "GSM-7";
    public const string Ucs2 = "UCS-2";

    private const string BasicSet =
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
        "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

    private const string ExtensionSet = "\f^{}\\[~]|€";

    private static readonly HashSet<char> s_basic = [.. BasicSet.Where(c => c != '\u001b')];
    private static readonly HashSet<char> s_extension = [.. ExtensionSet];

    public static SegmentCount Count(string body)
    {
        ArgumentNullException.ThrowIfNull(body);
        return IsGsm7(body) ? CountGsm7(body) : CountUcs2(body);
    }

    public static bool IsGsm7(string body) => body.All(IsGsm7);

    public static bool IsGsm7(char c) => s_basic.Contains(c) || s_extension.Contains(c);

    private static SegmentCount CountGsm7(string body)
    {
        var septets = body.Sum(c => s_extension.Contains(c) ? 2 : 1);
        if (septets <= 160)
        {
            return new SegmentCount(Gsm7, septets, 1);
        }

        var segments = 1;
        var used = 0;
        foreach (var c in body)
        {
            var width = s_extension.Contains(c) ? 2 : 1;
            if (used + width > 153)
            {
                segments++;
                used = 0;
            }
            used += width;
        }
        return new SegmentCount(Gsm7, septets, segments);
    }

    private static SegmentCount CountUcs2(string body)
    {
        var units = body.Length;
        if (units <= 70)
        {
            return new SegmentCount(Ucs2, units, 1);
        }

        var segments = 1;
        var used = 0;
        foreach (var rune in body.EnumerateRunes())
        {
            var width = rune.Utf16SequenceLength;
            if (used + width > 67)
            {
                segments++;
                used = 0;
            }
            used += width;
        }
        return new SegmentCount(Ucs2, units, segments);
    }
}
