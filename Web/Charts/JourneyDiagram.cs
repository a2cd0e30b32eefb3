using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Html;

namespace Alle.Web.Charts;

/// <summary>One step of a journey as the diagram places it: its layer (rows from the first step) and column.</summary>
public sealed record DiagramNode(string Id, string Type, int Layer, int Column, string? Caption, string? Summary = null);

/// <summary>An arrow between two steps, labelled with the outcome that takes it (<c>yes</c>, a path's name, <c>timeout</c>…).</summary>
public sealed record DiagramEdge(string From, string To, string Label);

/// <summary>
/// A journey's graph of steps drawn on the server as inline SVG: each step a box on the row of its longest distance from
/// the first step, arrows labelled by outcome, each box with what the step does (its wait, condition, text…), its
/// counts, and a mark when the step has an error. Reads the definition as the Messaging API returns it (or as the
/// builder is editing it): a target left out leads to the next step in the list, <c>end</c> to the end.
/// </summary>
public static class JourneyDiagram
{
    private const int BoxWidth = 190;
    private const int BoxHeight = 74;
    private const int SummaryLength = 27;
    private const int ColumnGap = 30;
    private const int RowGap = 46;
    private const int Margin = 12;

    public static (IReadOnlyList<DiagramNode> Nodes, IReadOnlyList<DiagramEdge> Edges) Layout(JsonElement definition,
        IReadOnlyDictionary<string, string>? captions = null)
    {
        var steps = definition.TryGetProperty("steps", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Where(step => step.ValueKind == JsonValueKind.Object && step.TryGetProperty("id", out _)).ToList()
            : [];
        var ids = steps.Select(step => step.GetProperty("id").GetString() ?? "").ToList();
        var edges = new List<DiagramEdge>();
        for (var i = 0; i < steps.Count; i++)
        {
            var following = i + 1 < steps.Count ? ids[i + 1] : null;
            foreach (var (label, target) in Targets(steps[i], following))
            {
                if (target is not null && ids.Contains(target) && target != ids[i])
                {
                    edges.Add(new DiagramEdge(ids[i], target, label));
                }
            }
        }

        // Longest distance from the first step (the graph has no loops; a bound keeps a bad definition from spinning).
        var layer = ids.ToDictionary(id => id, _ => -1);
        if (ids.Count > 0)
        {
            layer[ids[0]] = 0;
            for (var pass = 0; pass < ids.Count; pass++)
            {
                foreach (var edge in edges.Where(edge => layer[edge.From] >= 0 && layer[edge.To] < layer[edge.From] + 1))
                {
                    layer[edge.To] = layer[edge.From] + 1;
                }
            }
        }
        var deepest = layer.Values.DefaultIfEmpty(0).Max();
        foreach (var id in ids.Where(id => layer[id] < 0))
        {
            layer[id] = ++deepest;
        }
        var nodes = ids.Select((id, i) => (Id: id, Type: Text(steps[i], "type") ?? "?", Layer: layer[id]))
            .GroupBy(node => node.Layer)
            .SelectMany(row => row.Select((node, column) => new DiagramNode(node.Id, node.Type, node.Layer, column, captions?.GetValueOrDefault(node.Id),
                JourneyStepSummary.Describe(steps[ids.IndexOf(node.Id)], SummaryLength))))
            .OrderBy(node => node.Layer).ThenBy(node => node.Column).ToList();
        return (nodes, edges);
    }

    /// <param name="invalid">Ids of the steps that have an error, drawn marked.</param>
    public static IHtmlContent Svg(string title, JsonElement definition, IReadOnlyDictionary<string, string>? captions = null,
        IReadOnlyCollection<string>? invalid = null)
    {
        var (nodes, edges) = Layout(definition, captions);
        var columns = nodes.Count == 0 ? 1 : nodes.Max(node => node.Column) + 1;
        var rows = nodes.Count == 0 ? 1 : nodes.Max(node => node.Layer) + 1;
        var width = Margin * 2 + columns * BoxWidth + (columns - 1) * ColumnGap;
        var height = Margin * 2 + rows * BoxHeight + (rows - 1) * RowGap;
        var position = nodes.ToDictionary(node => node.Id, node => (X: Margin + node.Column * (BoxWidth + ColumnGap), Y: Margin + node.Layer * (BoxHeight + RowGap)));
        var description = string.Join("; ", nodes.Select(node =>
            $"{node.Id} ({node.Type}{(invalid?.Contains(node.Id) == true ? ", has an error" : "")}){string.Concat(edges.Where(e => e.From == node.Id).Select(e => $", {e.Label} → {e.To}"))}"));

        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"""<svg class="journey-diagram" role="img" aria-describedby="diagram-desc" viewBox="0 0 {width} {height}" width="{width}" height="{height}" data-testid="journey-diagram">""");
        svg.Append(CultureInfo.InvariantCulture, $"""<title id="diagram-title">{Encode(title)}</title><desc id="diagram-desc">{Encode(description)}</desc>""");
        svg.Append("""<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z"/></marker></defs>""");
        foreach (var edge in edges)
        {
            var (from, to) = (position[edge.From], position[edge.To]);
            var (x1, y1, x2, y2) = (from.X + BoxWidth / 2.0, from.Y + BoxHeight, to.X + BoxWidth / 2.0, to.Y);
            svg.Append(CultureInfo.InvariantCulture, $"""<line class="edge" x1="{x1:0.#}" y1="{y1:0.#}" x2="{x2:0.#}" y2="{y2:0.#}" marker-end="url(#arrow)"/>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<text class="edge-label" x="{(x1 + x2) / 2 + 4:0.#}" y="{(y1 + y2) / 2:0.#}">{Encode(edge.Label)}</text>""");
        }
        foreach (var node in nodes)
        {
            var (x, y) = position[node.Id];
            var error = invalid?.Contains(node.Id) == true;
            svg.Append(CultureInfo.InvariantCulture, $"""<g class="step {Encode(node.Type)}{(error ? " invalid" : "")}" data-step="{Encode(node.Id)}"><rect x="{x}" y="{y}" width="{BoxWidth}" height="{BoxHeight}" rx="6"/>""");
            svg.Append(CultureInfo.InvariantCulture, $"""<text x="{x + 8}" y="{y + 17}" class="step-id">{(error ? "⚠ " : "")}{Encode(node.Id)}</text><text x="{x + 8}" y="{y + 33}" class="step-type">{Encode(node.Type)}</text>""");
            if (node.Summary is { Length: > 0 } summary)
            {
                svg.Append(CultureInfo.InvariantCulture, $"""<text x="{x + 8}" y="{y + 49}" class="step-summary">{Encode(summary)}</text>""");
            }
            if (node.Caption is { } caption)
            {
                svg.Append(CultureInfo.InvariantCulture, $"""<text x="{x + 8}" y="{y + 66}" class="step-counts">{Encode(caption)}</text>""");
            }
            svg.Append("</g>");
        }
        svg.Append("</svg>");
        return new HtmlString(svg.ToString());
    }

    private static IEnumerable<(string Label, string? Target)> Targets(JsonElement step, string? following)
    {
        string? Resolve(string? target) => target == "end" ? null : target ?? following;
        switch (Text(step, "type"))
        {
            case "exit":
                yield break;
            case "split":
                yield return ("yes", Resolve(Text(step, "yes")));
                yield return ("no", Resolve(Text(step, "no")));
                break;
            case "wait_for":
                yield return ("event", Resolve(Text(step, "next")));
                yield return ("timeout", Resolve(Text(step, "timeoutNext")));
                break;
            case "random_split" when step.TryGetProperty("paths", out var paths) && paths.ValueKind == JsonValueKind.Array:
                foreach (var path in paths.EnumerateArray().Where(path => path.ValueKind == JsonValueKind.Object))
                {
                    var holdout = path.TryGetProperty("holdout", out var flag) && flag.ValueKind == JsonValueKind.True;
                    yield return (Text(path, "name") ?? "path", holdout ? null : Resolve(Text(path, "next")));
                }
                break;
            default:
                yield return ("next", Resolve(Text(step, "next")));
                break;
        }
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static string Encode(string text) => HtmlEncoder.Default.Encode(text);
}
