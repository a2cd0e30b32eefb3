using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;

namespace Alle.Web.Charts;

/// <summary>
/// Small charts drawn on the server as inline SVG (no script): a bar chart for counts by category and a line chart for a
/// value over time. Each has a title and a description for screen readers, and its numbers as a table in a
/// <c>&lt;details&gt;</c> element right after it, so nobody has to read a value off the picture.
/// </summary>
public static class SvgChart
{
    private const int Width = 640;
    private const int Height = 240;
    private const int Left = 48;
    private const int Bottom = 36;
    private const int Top = 16;
    private const int PlotHeight = Height - Top - Bottom;

    /// <param name="labelHeader">The table's heading for the labels (what the bars are).</param>
    /// <param name="valueHeader">The table's heading for the values.</param>
    public static IHtmlContent Bars(string title, IReadOnlyList<(string Label, double Value)> bars, string labelHeader = "Category", string valueHeader = "Value")
    {
        var svg = Start(title, bars.Count == 0 ? "No data." : string.Join(", ", bars.Select(b => $"{b.Label}: {Number(b.Value)}")));
        var ticks = Ticks(bars.Count == 0 ? 0 : bars.Max(b => b.Value));
        var max = ticks[^1];
        Axis(svg, ticks);
        var plotWidth = Width - Left - 8;
        var slot = bars.Count == 0 ? plotWidth : plotWidth / (double)bars.Count;
        var labelEvery = Math.Max(1, (int)Math.Ceiling(bars.Count / 12.0));
        for (var i = 0; i < bars.Count; i++)
        {
            var (label, value) = bars[i];
            var height = PlotHeight * Math.Max(0, value) / max;
            var x = Left + i * slot + slot * 0.15;
            var y = Height - Bottom - height;
            svg.Append(CultureInfo.InvariantCulture, $"""<rect class="bar" x="{x:0.#}" y="{y:0.#}" width="{slot * 0.7:0.#}" height="{height:0.#}"><title>{Encode(label)}: {Number(value)}</title></rect>""");
            if (bars.Count <= 12)
            {
                svg.Append(CultureInfo.InvariantCulture, $"""<text class="value" x="{x + slot * 0.35:0.#}" y="{y - 4:0.#}" text-anchor="middle">{Number(value)}</text>""");
            }
            if (i % labelEvery == 0)
            {
                svg.Append(CultureInfo.InvariantCulture, $"""<text class="label" x="{x + slot * 0.35:0.#}" y="{Height - Bottom + 16}" text-anchor="middle">{Encode(label)}</text>""");
            }
        }
        return End(svg, title, bars, labelHeader, valueHeader);
    }

    /// <param name="labelHeader">The table's heading for the labels (when each point is).</param>
    /// <param name="valueHeader">The table's heading for the values.</param>
    public static IHtmlContent Line(string title, IReadOnlyList<(string Label, double Value)> points, string labelHeader = "When", string valueHeader = "Value")
    {
        var svg = Start(title, points.Count == 0 ? "No data." : $"From {Number(points[0].Value)} on {points[0].Label} to {Number(points[^1].Value)} on {points[^1].Label}.");
        var ticks = Ticks(points.Count == 0 ? 0 : points.Max(p => p.Value));
        var max = ticks[^1];
        Axis(svg, ticks);
        if (points.Count > 0)
        {
            var plotWidth = Width - Left - 16;
            var step = points.Count == 1 ? 0 : plotWidth / (double)(points.Count - 1);
            var coordinates = points.Select((p, i) => (X: Left + 8 + i * step, Y: Height - Bottom - PlotHeight * Math.Max(0, p.Value) / max)).ToList();
            svg.Append("""<polyline class="line" fill="none" points=" """.TrimEnd());
            svg.AppendJoin(' ', coordinates.Select(c => string.Create(CultureInfo.InvariantCulture, $"{c.X:0.#},{c.Y:0.#}")));
            svg.Append("\"/>");
            var labelEvery = Math.Max(1, points.Count / 6);
            for (var i = 0; i < points.Count; i++)
            {
                svg.Append(CultureInfo.InvariantCulture, $"""<circle class="point" cx="{coordinates[i].X:0.#}" cy="{coordinates[i].Y:0.#}" r="3"><title>{Encode(points[i].Label)}: {Number(points[i].Value)}</title></circle>""");
                if (i % labelEvery == 0 || i == points.Count - 1)
                {
                    svg.Append(CultureInfo.InvariantCulture, $"""<text class="label" x="{coordinates[i].X:0.#}" y="{Height - Bottom + 16}" text-anchor="middle">{Encode(points[i].Label)}</text>""");
                }
            }
        }
        return End(svg, title, points, labelHeader, valueHeader);
    }

    /// <summary>
    /// The axis' ticks from 0: whole-number steps of 1, 2 or 5 times a power of ten, at most five steps, the last tick at
    /// or above <paramref name="max"/> (0 → 0, 1; 3 → 0, 1, 2, 3; 7 → 0, 2, 4, 6, 8; 380 → 0, 100, …, 400). Counts never get
    /// a tick of half a message.
    /// </summary>
    public static IReadOnlyList<double> Ticks(double max)
    {
        if (double.IsNaN(max) || max <= 1)
        {
            return [0, 1];
        }
        var step = NiceStep(max / 5);
        var count = (int)Math.Ceiling(max / step - 1e-9);
        return [.. Enumerable.Range(0, count + 1).Select(i => i * step)];
    }

    /// <summary>The smallest of 1, 2, 5, 10, 20, 50, … at or above <paramref name="least"/>.</summary>
    private static double NiceStep(double least)
    {
        for (var magnitude = 1.0; ; magnitude *= 10)
        {
            foreach (var factor in (ReadOnlySpan<double>)[1, 2, 5])
            {
                if (factor * magnitude >= least - 1e-9)
                {
                    return factor * magnitude;
                }
            }
        }
    }

    private static StringBuilder Start(string title, string description)
    {
        var id = "chart-" + Guid.NewGuid().ToString("N")[..8];
        var svg = new StringBuilder("""<div class="chart-with-numbers">""");
        svg.Append(CultureInfo.InvariantCulture, $"""<svg class="chart" viewBox="0 0 {Width} {Height}" role="img" aria-labelledby="{id}-t {id}-d" xmlns="http://www.w3.org/2000/svg">""");
        svg.Append(CultureInfo.InvariantCulture, $"""<title id="{id}-t">{Encode(title)}</title><desc id="{id}-d">{Encode(description)}</desc>""");
        return svg;
    }

    private static void Axis(StringBuilder svg, IReadOnlyList<double> ticks)
    {
        foreach (var tick in ticks)
        {
            var y = Height - Bottom - PlotHeight * tick / ticks[^1];
            svg.Append(CultureInfo.InvariantCulture, $"""<line class="grid" x1="{Left}" x2="{Width - 8}" y1="{y:0.#}" y2="{y:0.#}"/>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<text class="tick" x="{Left - 6}" y="{y + 4:0.#}" text-anchor="end">{Number(tick)}</text>""");
        }
    }

    private static HtmlString End(StringBuilder svg, string title, IReadOnlyList<(string Label, double Value)> values, string labelHeader, string valueHeader)
    {
        svg.Append("</svg>");
        svg.Append(CultureInfo.InvariantCulture, $"""<details class="chart-numbers"><summary>{Encode(title)}: the numbers</summary>""");
        svg.Append(CultureInfo.InvariantCulture, $"""<table><caption class="visually-hidden">{Encode(title)}</caption><thead><tr><th scope="col">{Encode(labelHeader)}</th><th scope="col" class="num">{Encode(valueHeader)}</th></tr></thead><tbody>""");
        foreach (var (label, value) in values)
        {
            svg.Append(CultureInfo.InvariantCulture, $"""<tr><td>{Encode(label)}</td><td class="num">{Number(value)}</td></tr>""");
        }
        if (values.Count == 0)
        {
            svg.Append("""<tr><td colspan="2">No data.</td></tr>""");
        }
        return new HtmlString(svg.Append("</tbody></table></details></div>").ToString());
    }

    private static string Number(double value) => value.ToString(value % 1 == 0 ? "#,0" : "#,0.#", CultureInfo.InvariantCulture);

    private static string Encode(string text) => HtmlEncoder.Default.Encode(text);
}
