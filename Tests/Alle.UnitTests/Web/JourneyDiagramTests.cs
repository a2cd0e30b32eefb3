using System.Text.Json;
using Alle.Web.Charts;

namespace Alle.UnitTests.Web;

public sealed class JourneyDiagramTests
{
    private static JsonElement Json(string json) => JsonDocument.Parse(json).RootElement.Clone();

    [Fact]
    public void Steps_are_placed_on_rows_by_their_distance_from_the_first_step_with_labelled_arrows()
    {
        var definition = Json("""
            {"steps": [
              {"id": "visit", "type": "wait_for", "event": "Provider Checked In", "timeout": "3d", "next": "tier", "timeoutNext": "missed"},
              {"id": "tier", "type": "split", "yes": "gold", "no": "standard"},
              {"id": "gold", "type": "send_sms", "next": "end"},
              {"id": "standard", "type": "send_sms", "next": "end"},
              {"id": "missed", "type": "send_sms"}
            ]}
            """);

        var (nodes, edges) = JourneyDiagram.Layout(definition, new Dictionary<string, string> { ["gold"] = "in 1 · sent 1" });

        Assert.Equal([("visit", 0), ("tier", 1), ("missed", 1), ("gold", 2), ("standard", 2)], nodes.Select(node => (node.Id, node.Layer)));
        Assert.Equal([new DiagramEdge("visit", "tier", "event"), new DiagramEdge("visit", "missed", "timeout"),
            new DiagramEdge("tier", "gold", "yes"), new DiagramEdge("tier", "standard", "no")], edges);
        Assert.Equal("in 1 · sent 1", nodes.Single(node => node.Id == "gold").Caption);
    }

    [Fact]
    public void A_holdout_and_an_exit_lead_nowhere_and_the_svg_describes_the_graph_for_screen_readers()
    {
        var definition = Json("""
            {"steps": [
              {"id": "ab", "type": "random_split", "paths": [{"name": "text", "weight": 9}, {"name": "holdout", "weight": 1, "holdout": true}]},
              {"id": "sms", "type": "send_sms"},
              {"id": "stop", "type": "exit"}
            ]}
            """);

        var (_, edges) = JourneyDiagram.Layout(definition);
        var svg = JourneyDiagram.Svg("Holdout <test>", definition).ToString()!;

        Assert.Equal([new DiagramEdge("ab", "sms", "text"), new DiagramEdge("sms", "stop", "next")], edges);
        Assert.Contains("<title id=\"diagram-title\">Holdout &lt;test&gt;</title>", svg, StringComparison.Ordinal);
        Assert.Contains("ab (random_split), text → sms", svg.Replace("&#x2192;", "→", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal(3, svg.Split("<rect", StringSplitOptions.None).Length - 1);
    }
}
