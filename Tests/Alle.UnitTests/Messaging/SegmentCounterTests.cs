using Alle.Messaging.Sending;

namespace Alle.UnitTests.Messaging;

public sealed class SegmentCounterTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(160, 1)]
    [InlineData(161, 2)]
    [InlineData(306, 2)]
    [InlineData(307, 3)]
    [InlineData(459, 3)]
    [InlineData(460, 4)]
    public void Gsm7_fits_160_characters_in_one_segment_and_153_per_part_beyond(int length, int segments)
    {
        var count = SegmentCounter.Count(new string('a', length));

        Assert.Equal(SegmentCounter.Gsm7, count.Encoding);
        Assert.Equal(length, count.Units);
        Assert.Equal(segments, count.Segments);
    }

    [Theory]
    [InlineData(70, 1)]
    [InlineData(71, 2)]
    [InlineData(134, 2)]
    [InlineData(135, 3)]
    public void Ucs2_fits_70_units_in_one_segment_and_67_per_part_beyond(int length, int segments)
    {
        var count = SegmentCounter.Count("ê" + new string('a', length - 1));

        Assert.Equal(SegmentCounter.Ucs2, count.Encoding);
        Assert.Equal(segments, count.Segments);
    }

    [Theory]
    [InlineData("€", 80, 1)]
    [InlineData("€", 81, 2)]
    [InlineData("{", 80, 1)]
    [InlineData("^", 81, 2)]
    public void Extension_table_characters_take_two_septets(string character, int repeat, int segments)
    {
        var body = string.Concat(Enumerable.Repeat(character, repeat));

        var count = SegmentCounter.Count(body);

        Assert.Equal(SegmentCounter.Gsm7, count.Encoding);
        Assert.Equal(repeat * 2, count.Units);
        Assert.Equal(segments, count.Segments);
    }

    [Fact]
    public void An_escape_pair_never_straddles_two_parts()
    {
        // 152 basic characters then '€' (2 septets): the pair does not fit in part one's last septet, so part one holds 152.
        var body = new string('a', 152) + "€" + new string('a', 7);

        var count = SegmentCounter.Count(body);

        Assert.Equal(161, count.Units);
        Assert.Equal(2, count.Segments);
        Assert.Equal(3, SegmentCounter.Count(new string('a', 152) + "€" + new string('a', 152)).Segments);
    }

    [Fact]
    public void A_surrogate_pair_never_straddles_two_parts()
    {
        // 134 units would fit two 67-unit parts, but the emoji after 66 units cannot be split: it starts part two.
        var body = new string('a', 66) + "😀" + new string('a', 66);

        var count = SegmentCounter.Count(body);

        Assert.Equal(SegmentCounter.Ucs2, count.Encoding);
        Assert.Equal(134, count.Units);
        Assert.Equal(3, count.Segments);
        Assert.Equal(2, SegmentCounter.Count(new string('a', 65) + "😀" + new string('a', 67)).Segments);
    }

    [Theory]
    [InlineData("Your code is 123456", true)]
    [InlineData("Àla carte: é, è, ù, ì, ò, Ç, ñ, ü, ß, Δ, Ω £5 @home ¿¡", false)]
    [InlineData("Café & crème: €10 off [today]", true)]
    [InlineData("Smart “quotes”", false)]
    [InlineData("Emoji 🎉", false)]
    [InlineData("Chinese 你好", false)]
    [InlineData("Line\nbreak\rand form\ffeed", true)]
    public void Gsm7_is_chosen_only_when_every_character_is_in_the_basic_or_extension_table(string body, bool gsm7)
    {
        Assert.Equal(gsm7 ? SegmentCounter.Gsm7 : SegmentCounter.Ucs2, SegmentCounter.Count(body).Encoding);
    }

    [Fact]
    public void An_empty_body_is_one_segment()
    {
        Assert.Equal(new SegmentCount(SegmentCounter.Gsm7, 0, 1), SegmentCounter.Count(""));
    }
}
