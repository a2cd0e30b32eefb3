using System.Text;
using Alle.Platform.Audit;
using Alle.Web.Services.Operations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console.Team;

/// <summary>Who changed what, across Web and every service: search by actor, text and time; export as CSV.</summary>
public sealed class AuditModel(AuditLogService auditLog) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? Actor { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Q { get; set; }

    [BindProperty(SupportsGet = true)]
    public DateTime? From { get; set; }

    [BindProperty(SupportsGet = true)]
    public DateTime? To { get; set; }

    public IReadOnlyList<AuditEntry> Entries { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) => Entries = await auditLog.SearchAsync(Query(200), cancellationToken);

    public async Task<IActionResult> OnGetExportAsync(CancellationToken cancellationToken)
    {
        var entries = await auditLog.SearchAsync(Query(AuditExtensions.MaxLimit), cancellationToken);
        return File(Encoding.UTF8.GetBytes(AuditLogService.ToCsv(entries)), "text/csv; charset=utf-8", "audit-log.csv");
    }

    private AuditQuery Query(int limit) => new(Blank(Actor), Blank(Q),
        From is { } from ? new DateTimeOffset(DateTime.SpecifyKind(from, DateTimeKind.Utc)) : null,
        To is { } to ? new DateTimeOffset(DateTime.SpecifyKind(to, DateTimeKind.Utc)).AddDays(1) : null, limit);

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
