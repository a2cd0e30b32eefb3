using System.Globalization;
using Alle.AppHost.Demo;
using Alle.Messaging.Extensions;
using Alle.Messaging.Journeys;
using Alle.Messaging.Sending;

namespace Alle.UnitTests.Messaging;

/// <summary>
/// Smart encoding against GSM 03.38 (the basic character set and its extension table, written out here from the
/// specification's code tables) and Twilio's published list of characters Smart Encoding replaces.
/// </summary>
public sealed class SmartEncodingTests
{
    /// <summary>GSM 03.38 basic set, by code point 0x00–0x7F (0x1B is the escape to the extension table).</summary>
    private const string Gsm0338Basic =
        "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001BÆæßÉ" + // 0x00–0x1F
        " !\"#¤%&'()*+,-./0123456789:;<=>?" +   // 0x20–0x3F
        "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§" +    // 0x40–0x5F
        "¿abcdefghijklmnopqrstuvwxyzäöñüà";     // 0x60–0x7F

    /// <summary>GSM 03.38 extension table: escape + 0x0A form feed, 0x14 ^, 0x28 {, 0x29 }, 0x2F \, 0x3C [, 0x3D ~, 0x3E ], 0x40 |, 0x65 €.</summary>
    private const string Gsm0338Extension = "\f^{}\\[~]|€";

    /// <summary>Twilio's published Smart Encoding table (code point → what it becomes).</summary>
    public static TheoryData<int, string> TwilioTable => new()
    {
        { 0x00AB, "\"" }, { 0x00BB, "\"" }, { 0x201C, "\"" }, { 0x201D, "\"" }, { 0x02BA, "\"" }, { 0x02EE, "\"" }, { 0x201F, "\"" }, { 0x275D, "\"" },
        { 0x275E, "\"" }, { 0x301D, "\"" }, { 0x301E, "\"" }, { 0xFF02, "\"" }, { 0x201E, "\"" },
        { 0x2018, "'" }, { 0x2019, "'" }, { 0x02BB, "'" }, { 0x02C8, "'" }, { 0x02BC, "'" }, { 0x02BD, "'" }, { 0x02B9, "'" }, { 0x201B, "'" },
        { 0xFF07, "'" }, { 0x00B4, "'" }, { 0x02CA, "'" }, { 0x0060, "'" }, { 0x02CB, "'" }, { 0x275B, "'" }, { 0x275C, "'" }, { 0x0313, "'" },
        { 0x0314, "'" }, { 0xFE10, "'" }, { 0xFE11, "'" },
        { 0x00F7, "/" }, { 0x00BC, "1/4" }, { 0x00BD, "1/2" }, { 0x00BE, "3/4" }, { 0x29F8, "/" }, { 0x0337, "/" }, { 0x0338, "/" }, { 0x2044, "/" },
        { 0x2215, "/" }, { 0xFF0F, "/" }, { 0x29F9, "\\" }, { 0x29F5, "\\" }, { 0x20E5, "\\" }, { 0xFE68, "\\" }, { 0xFF3C, "\\" },
        { 0x0332, "_" }, { 0xFF3F, "_" }, { 0x20D2, "|" }, { 0x20D3, "|" }, { 0x2223, "|" }, { 0xFF5C, "|" }, { 0x23B8, "|" }, { 0x23B9, "|" },
        { 0x23D0, "|" }, { 0x239C, "|" }, { 0x239F, "|" },
        { 0x23BC, "-" }, { 0x23BD, "-" }, { 0x2015, "-" }, { 0xFE63, "-" }, { 0xFF0D, "-" }, { 0x2010, "-" }, { 0x2043, "-" }, { 0x2013, "-" },
        { 0x2014, "-" }, { 0x2022, "-" },
        { 0xFE6B, "@" }, { 0xFF20, "@" }, { 0xFE69, "$" }, { 0xFF04, "$" }, { 0x01C3, "!" }, { 0xFE15, "!" }, { 0xFE57, "!" }, { 0xFF01, "!" },
        { 0x203C, "!!" }, { 0xFE5F, "#" }, { 0xFF03, "#" }, { 0xFE6A, "%" }, { 0xFF05, "%" }, { 0xFE60, "&" }, { 0xFF06, "&" },
        { 0x201A, "," }, { 0x0326, "," }, { 0xFE50, "," }, { 0xFE51, "," }, { 0xFF0C, "," }, { 0xFF64, "," }, { 0x3001, "," },
        { 0x2768, "(" }, { 0x276A, "(" }, { 0xFE59, "(" }, { 0xFF08, "(" }, { 0x27EE, "(" }, { 0x2985, "(" },
        { 0x2769, ")" }, { 0x276B, ")" }, { 0xFE5A, ")" }, { 0xFF09, ")" }, { 0x27EF, ")" }, { 0x2986, ")" },
        { 0x204E, "*" }, { 0x2217, "*" }, { 0x229B, "*" }, { 0x2722, "*" }, { 0x2731, "*" }, { 0xFE61, "*" }, { 0xFF0A, "*" },
        { 0x02D6, "+" }, { 0xFE62, "+" }, { 0xFF0B, "+" }, { 0x3002, "." }, { 0xFE52, "." }, { 0xFF0E, "." }, { 0xFF61, "." }, { 0x2026, "..." },
        { 0xFF10, "0" }, { 0xFF15, "5" }, { 0xFF19, "9" },
        { 0x02D0, ":" }, { 0x02F8, ":" }, { 0x2982, ":" }, { 0xA789, ":" }, { 0xFE13, ":" }, { 0xFF1A, ":" },
        { 0x204F, ";" }, { 0xFE14, ";" }, { 0xFE54, ";" }, { 0xFF1B, ";" }, { 0xFE64, "<" }, { 0xFF1C, "<" },
        { 0x0347, "=" }, { 0xA78A, "=" }, { 0xFE66, "=" }, { 0xFF1D, "=" }, { 0xFE65, ">" }, { 0xFF1E, ">" },
        { 0xFE16, "?" }, { 0xFE56, "?" }, { 0xFF1F, "?" },
        { 0xFF21, "A" }, { 0x1D00, "A" }, { 0xFF3A, "Z" }, { 0x1D22, "Z" }, { 0x0299, "B" }, { 0x029F, "L" },
        { 0x02C6, "^" }, { 0x0302, "^" }, { 0xFF3E, "^" }, { 0x1DCD, "^" }, { 0x2774, "{" }, { 0xFE5B, "{" }, { 0xFF5B, "{" },
        { 0x2775, "}" }, { 0xFE5C, "}" }, { 0xFF5D, "}" }, { 0xFF3B, "[" }, { 0xFF3D, "]" },
        { 0x02DC, "~" }, { 0x02F7, "~" }, { 0x0303, "~" }, { 0x0330, "~" }, { 0x0334, "~" }, { 0x223C, "~" }, { 0xFF5E, "~" },
        { 0x00A0, " " }, { 0x2000, " " }, { 0x2001, " " }, { 0x2002, " " }, { 0x2003, " " }, { 0x2004, " " }, { 0x2005, " " }, { 0x2006, " " },
        { 0x2007, " " }, { 0x2008, " " }, { 0x2009, " " }, { 0x200A, " " }, { 0x202F, " " }, { 0x205F, " " }, { 0x3000, " " },
        { 0x2028, " " }, { 0x2029, " " }, { 0x200B, "" }, { 0x2060, "" }, { 0xFEFF, "" },
    };

    [Fact]
    public void Every_character_of_the_GSM_03_38_basic_set_and_extension_table_is_GSM_7_and_kept()
    {
        Assert.Equal(128, Gsm0338Basic.Length);
        foreach (var c in Gsm0338Basic.Where(c => c != '\u001B').Concat(Gsm0338Extension))
        {
            Assert.True(SegmentCounter.IsGsm7(c), $"U+{(int)c:X4} is in GSM 03.38");
            Assert.Equal(c.ToString(), SmartEncoding.Apply(c.ToString()).Text);
        }
        Assert.Equal(SegmentCounter.Gsm7, SmartEncoding.Apply(Gsm0338Basic.Replace("\u001B", "", StringComparison.Ordinal) + Gsm0338Extension).Count.Encoding);
    }

    [Fact]
    public void Nothing_outside_GSM_03_38_counts_as_GSM_7()
    {
        var gsm = (Gsm0338Basic + Gsm0338Extension).Replace("\u001B", "", StringComparison.Ordinal).ToHashSet();
        for (var c = '\u0000'; c < '\u0800'; c++)
        {
            Assert.Equal(gsm.Contains(c), SegmentCounter.IsGsm7(c));
        }
    }

    [Theory]
    [MemberData(nameof(TwilioTable))]
    public void Twilio_s_table_is_applied(int codePoint, string replacement)
    {
        var body = $"a{(char)codePoint}b";

        var encoded = SmartEncoding.Apply(body);

        Assert.Equal($"a{replacement}b", encoded.Text);
        Assert.Equal(SegmentCounter.Gsm7, encoded.Count.Encoding);
        Assert.Equal(1, encoded.Replaced);
    }

    [Theory]
    [InlineData("Allē", "Alle")]
    [InlineData("Crème brûlée façade", "Crème brulée facade")]
    [InlineData("Ōkami Łódź", "Okami Łodz")]
    public void A_letter_with_an_accent_GSM_7_lacks_becomes_the_bare_letter_and_GSM_7_letters_are_kept(string body, string expected) =>
        Assert.Equal(expected, SmartEncoding.Apply(body).Text);

    [Fact]
    public void Characters_without_a_look_alike_are_kept_and_the_body_goes_as_UCS_2()
    {
        var encoded = SmartEncoding.Apply("Allē — see you soon 😊");

        Assert.Equal("Alle - see you soon 😊", encoded.Text);
        Assert.Equal(SegmentCounter.Ucs2, encoded.Count.Encoding);
        Assert.Equal(2, encoded.Replaced);
    }

    [Fact]
    public void Encoding_and_segments_are_those_of_the_text_after_replacement()
    {
        // 100 characters with curly quotes: two UCS-2 segments as typed, one GSM-7 segment as sent.
        var body = "“Allē” " + new string('x', 93);
        Assert.Equal(2, SegmentCounter.Count(body).Segments);

        var encoded = SmartEncoding.Apply(body);

        Assert.Equal(SegmentCounter.Gsm7, encoded.Count.Encoding);
        Assert.Equal(1, encoded.Count.Segments);
        Assert.Equal(100, encoded.Count.Units);
    }

    [Fact]
    public void Sign_in_codes_and_keyword_replies_fit_one_GSM_7_segment()
    {
        var options = new MessagingOptions();
        foreach (var text in new[]
        {
            string.Format(CultureInfo.InvariantCulture, options.CodeMessage, options.ProgramName, "123456"),
            string.Format(CultureInfo.InvariantCulture, options.HelpReply, options.ProgramName),
            string.Format(CultureInfo.InvariantCulture, options.StopReply, options.ProgramName),
            string.Format(CultureInfo.InvariantCulture, options.StartReply, options.ProgramName),
        })
        {
            var encoded = SmartEncoding.Apply(text);
            Assert.True(encoded.Count is { Encoding: SegmentCounter.Gsm7, Segments: 1 }, $"{encoded.Count.Encoding} × {encoded.Count.Segments}: {encoded.Text}");
        }
    }

    [Theory]
    [InlineData(DemoProgram.NorthStarTemplate)]
    [InlineData(DemoProgram.FlashRewardsTemplate)]
    public void The_standard_offers_fit_one_GSM_7_segment_with_the_longest_names_and_codes(string template)
    {
        var rendered = JourneyTemplate.Render(template, SampleData.Traits, SampleData.Coupon, SampleData.Event, SampleData.UserId);

        var encoded = SmartEncoding.Apply(rendered);

        Assert.Contains("Alle:", encoded.Text, StringComparison.Ordinal);
        Assert.True(encoded.Count is { Encoding: SegmentCounter.Gsm7, Segments: 1 }, $"{encoded.Count.Encoding} × {encoded.Count.Segments} ({encoded.Count.Units}): {encoded.Text}");
    }
}
