using System.Globalization;
using System.Text;

namespace Alle.Testing.Accounting;

/// <summary>Fault tallies as a Markdown table, for test output, the benchmark's report and the README.</summary>
public static class DeliveryTable
{
    private static readonly string[] s_headers =
        ["fault", "checked in", "sent", "acknowledged", "stored", "lost", "duplicated", "unexpected", "in doubt", "time to recover"];

    public static string Format(IEnumerable<DeliveryTally> tallies)
    {
        var rows = tallies.Select(t => new[]
        {
            t.Fault, t.CheckedIn, Number(t.Sent), Number(t.Acknowledged), Number(t.Stored), Number(t.Lost), Number(t.Duplicated),
            Number(t.Unexpected), Number(t.InDoubt), t.Recovery is { } recovery ? recovery.TotalSeconds.ToString("0.0 s", CultureInfo.InvariantCulture) : "–",
        }).ToList();
        var widths = s_headers.Select((header, column) => rows.Select(row => row[column].Length).Append(header.Length).Max()).ToArray();

        var table = new StringBuilder();
        void Line(IReadOnlyList<string> cells, bool header = false)
        {
            table.Append('|');
            for (var column = 0; column < cells.Count; column++)
            {
                // Text columns to the left, figures to the right, as the README's tables are.
                var cell = column < 2 || header ? cells[column].PadRight(widths[column]) : cells[column].PadLeft(widths[column]);
                table.Append(' ').Append(cell).Append(" |");
            }
            table.Append('\n');
        }

        Line(s_headers, header: true);
        table.Append('|').AppendJoin("", widths.Select((width, column) => column < 2 ? $" {new string('-', width)} |" : $" {new string('-', width - 1)}: |")).Append('\n');
        foreach (var row in rows)
        {
            Line(row);
        }
        return table.ToString();
    }

    private static string Number(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);
}
