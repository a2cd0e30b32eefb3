using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Html;

namespace Alle.Web.Charts;

/// <summary>
/// Small charts drawn on the server as inline SVG (no script): a bar chart for counts by category and a line chart for a
/// value over time. Each has a title and a description for screen readers; pages show the numbers in a table as well.
/// </summary>
public static class SvgChart
{
    private const int Width = 640;
    private const int Height = 240;
    private const int Left = 48;
    private const int Bottom = 36;
    private const int Top = 16;

    public static IHtmlContent Bars(string title, IReadOnlyList<(string Label, double Value)> bars)
    {
        var svg = Start(title, bars.Count == 0 ? "No data." : string.Join(", ", bars.Select(b => $"{b.Label}: {Number(b.Value)}")));
        var max = NiceMax(bars.Count == 0 ? 0 : bars.Max(b => b.Value));
        Axis(svg, max);
        var plotWidth = Width - Left - 8;
        var slot = bars.Count == 0 ? plotWidth : plotWidth / (double)bars.Count;
        for (var i = 0; i < bars.Count; i++)
        {
            var (label, value) = bars[i];
            var height = (Height - Top - Bottom) * value / max;
            var x = Left + i * slot + slot * 0.15;
            var y = Height - Bottom - height;
            svg.Append(CultureInfo.InvariantCulture, $"""<rect class="bar" x="{x:0.#}" y="{y:0.#}" width="{slot * 0.7:0.#}" height="{height:0.#}"><title>{Encode(label)}: {Number(value)}</title></rect>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<text class="value" x="{x + slot * 0.35:0.#}" y="{y - 4:0.#}" text-anchor="middle">{Number(value)}</text>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<text class="label" x="{x + slot * 0.35:0.#}" y="{Height - Bottom + 16}" text-anchor="middle">{Encode(label)}</text>""");
        }
        return End(svg);
    }

    public static IHtmlContent Line(string title, IReadOnlyList<(string Label, double Value)> points)
    {
        var svg = Start(title, points.Count == 0 ? "No data." : $"From {Number(points[0].Value)} on {points[0].Label} to {Number(points[^1].Value)} on {points[^1].Label}.");
        var max = NiceMax(points.Count == 0 ? 0 : points.Max(p => p.Value));
        Axis(svg, max);
        if (points.Count > 0)
        {
            var plotWidth = Width - Left - 16;
            var step = points.Count == 1 ? 0 : plotWidth / (double)(points.Count - 1);
            var coordinates = points.Select((p, i) => (X: Left + 8 + i * step, Y: Height - Bottom - (Height - Top - Bottom) * p.Value / max)).ToList();
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
        return End(svg);
    }

    private static StringBuilder Start(string title, string description)
    {
        var id = "chart-" + Guid.NewGuid().ToString("N")[..8];
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"""<svg class="chart" viewBox="0 0 {Width} {Height}" role="img" aria-labelledby="{id}-t {id}-d" xmlns="http://www.w3.org/2000/svg">""");
        svg.Append(CultureInfo.InvariantCulture, $"""<title id="{id}-t">{Encode(title)}</title><desc id="{id}-d">{Encode(description)}</desc>""");
        return svg;
    }

    private static void Axis(StringBuilder svg, double max)
    {
        for (var i = 0; i <= 4; i++)
        {
            var y = Height - Bottom - (Height - Top - Bottom) * i / 4.0;
            svg.Append(CultureInfo.InvariantCulture, $"""<line class="grid" x1="{Left}" x2="{Width - 8}" y1="{y:0.#}" y2="{y:0.#}"/>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<text class="tick" x="{Left - 6}" y="{y + 4:0.#}" text-anchor="end">{Number(max * i / 4)}</text>""");
        }
    }

    private static HtmlString End(StringBuilder svg) => new(svg.Append("</svg>").ToString());

    /// <summary>A round upper bound for the axis (1, 2 or 5 times a power of ten), at least 4 so ticks are whole numbers.</summary>
    public static double NiceMax(double max)
    {
        if (max <= 4)
        {
            return 4;
        }
        var magnitude = Math.Pow(10, Math.Floor(Math.Log10(max)));
        foreach (var factor in new[] { 1, 2, 4, 5, 10 })
        {
            if (factor * magnitude >= max)
            {
                return factor * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static string Number(double value) => value.ToString(value % 1 == 0 ? "#,0" : "#,0.#", CultureInfo.InvariantCulture);

    private static string Encode(string text) => HtmlEncoder.Default.Encode(text);
}
