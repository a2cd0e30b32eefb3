using Alle.Web.Privacy;
using Alle.Web.Tracking;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Account;

/// <summary>Her data export as a page a person can read (and print), part by part, each naming the service it came from.</summary>
public sealed class DataSummaryModel(DataExport export, PortalTracking tracking) : PageModel
{
    public MemberDataExport Export { get; private set; } = null!;

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Export = await export.AssembleAsync(cancellationToken);
        tracking.Track(HttpContext, "Data Export Requested", new { format = "html" });
    }
}
