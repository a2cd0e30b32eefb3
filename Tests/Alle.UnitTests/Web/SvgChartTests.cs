using Alle.Web.Charts;

namespace Alle.UnitTests.Web;

public sealed class SvgChartTests
{
    [Theory]
    [InlineData(0, new double[] { 0, 1 })]
    [InlineData(1, new double[] { 0, 1 })]
    [InlineData(2, new double[] { 0, 1, 2 })]
    [InlineData(3, new double[] { 0, 1, 2, 3 })]
    [InlineData(5, new double[] { 0, 1, 2, 3, 4, 5 })]
    [InlineData(7, new double[] { 0, 2, 4, 6, 8 })]
    [InlineData(11, new double[] { 0, 5, 10, 15 })]
    [InlineData(12.3, new double[] { 0, 5, 10, 15 })]
    [InlineData(380, new double[] { 0, 100, 200, 300, 400 })]
    [InlineData(1200, new double[] { 0, 500, 1000, 1500 })]
    [InlineData(48_000, new double[] { 0, 10_000, 20_000, 30_000, 40_000, 50_000 })]
    public void Axis_ticks_are_whole_round_steps_from_zero_to_at_least_the_largest_value(double max, double[] expected) =>
        Assert.Equal(expected, SvgChart.Ticks(max));

    [Theory]
    [InlineData(0.5)]
    [InlineData(4)]
    [InlineData(9)]
    [InlineData(10)]
    [InlineData(27)]
    [InlineData(999)]
    [InlineData(123_456)]
    public void Every_tick_is_a_whole_number_and_the_axis_has_at_most_five_steps(double max)
    {
        var ticks = SvgChart.Ticks(max);

        Assert.All(ticks, tick => Assert.Equal(Math.Round(tick), tick));
        Assert.InRange(ticks.Count, 2, 6);
        Assert.True(ticks[^1] >= max);
        Assert.True(ticks[^2] < max, "the axis stops at the first tick at or above the largest value");
    }

    [Fact]
    public void Charts_are_accessible_svg_with_every_value_described_and_labels_encoded()
    {
        var html = SvgChart.Bars("Messages by status", [("delivered", 12), ("<failed>", 3)]).ToString()!;
        var svg = html[html.IndexOf("<svg", StringComparison.Ordinal)..(html.IndexOf("</svg>", StringComparison.Ordinal) + 6)];

        Assert.Contains("role=\"img\"", svg, StringComparison.Ordinal);
        Assert.Contains("<title id=", svg, StringComparison.Ordinal);
        Assert.Contains("delivered: 12", svg, StringComparison.Ordinal);
        Assert.Contains("&lt;failed&gt;", svg, StringComparison.Ordinal);
        Assert.DoesNotContain("<failed>", html, StringComparison.Ordinal);
        Assert.Equal(2, svg.Split("<rect ").Length - 1);
        Assert.DoesNotContain(">0.5<", svg, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_chart_has_its_numbers_as_a_table_after_it()
    {
        var bars = SvgChart.Bars("Messages by status", [("delivered", 1200), ("failed", 3)], "Status", "Messages").ToString()!;
        var line = SvgChart.Line("Events per hour", [("09:00", 0), ("10:00", 7)], "Hour (UTC)", "Events").ToString()!;
        var empty = SvgChart.Line("Nothing yet", []).ToString()!;

        Assert.Contains("</svg><details class=\"chart-numbers\"><summary>Messages by status: the numbers</summary><table>", bars, StringComparison.Ordinal);
        Assert.Contains("<th scope=\"col\">Status</th><th scope=\"col\" class=\"num\">Messages</th>", bars, StringComparison.Ordinal);
        Assert.Contains("<tr><td>delivered</td><td class=\"num\">1,200</td></tr><tr><td>failed</td><td class=\"num\">3</td></tr>", bars, StringComparison.Ordinal);
        Assert.Contains("<tr><td>10:00</td><td class=\"num\">7</td></tr>", line, StringComparison.Ordinal);
        Assert.Contains("<th scope=\"col\">Hour (UTC)</th>", line, StringComparison.Ordinal);
        Assert.Contains("No data.</td>", empty, StringComparison.Ordinal);
    }
}
