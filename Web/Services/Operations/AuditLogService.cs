using System.Globalization;
using Alle.Platform.Audit;

namespace Alle.Web.Services.Operations;

/// <summary>
/// The whole audit log: Web's own (sign-ins, operators, API keys) and each service's (changes through its admin API),
/// newest first. Each service keeps its own part in its own database; this reads them side by side.
/// </summary>
public sealed class AuditLogService(IHttpClientFactory clients, AuditLog webLog)
{
    public async Task<List<AuditEntry>> SearchAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        var parameters = string.Join("&", new[]
        {
            $"limit={query.Limit}",
            query.Actor is null ? null : $"actor={Uri.EscapeDataString(query.Actor)}",
            query.Text is null ? null : $"q={Uri.EscapeDataString(query.Text)}",
            query.From is { } from ? $"from={Uri.EscapeDataString(from.ToString("O", CultureInfo.InvariantCulture))}" : null,
            query.To is { } to ? $"to={Uri.EscapeDataString(to.ToString("O", CultureInfo.InvariantCulture))}" : null,
        }.Where(p => p is not null));
        var parts = await Task.WhenAll(OperationsClients.Services
            .Select(service => OperationsClients.Create(clients, service).GetAsync($"/api/{service}/audit?{parameters}", cancellationToken)
                .ReadAsync<List<AuditEntry>>(cancellationToken))
            .Append(webLog.SearchAsync(query, cancellationToken)));
        return [.. parts.SelectMany(part => part).OrderByDescending(entry => entry.At).ThenBy(entry => entry.Service).Take(query.Limit)];
    }

    /// <summary>The entries as CSV (RFC 4180: every field quoted, quotes doubled).</summary>
    public static string ToCsv(IEnumerable<AuditEntry> entries)
    {
        var csv = new System.Text.StringBuilder("at,service,actor_kind,actor_id,actor,action,resource,status,before,after\r\n");
        foreach (var e in entries)
        {
            csv.AppendJoin(',', new[] { e.At.ToString("O", CultureInfo.InvariantCulture), e.Service, e.ActorKind, e.ActorId, e.ActorName, e.Action, e.Resource,
                e.Status.ToString(CultureInfo.InvariantCulture), e.Before ?? "", e.After ?? "" }.Select(Quote)).Append("\r\n");
        }
        return csv.ToString();
    }

    // A leading =, +, - or @ would be a formula to a spreadsheet: prefixed with an apostrophe.
    private static string Quote(string field) =>
        $"\"{(field.Length > 0 && field[0] is '=' or '+' or '-' or '@' ? "'" + field : field).Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
}
