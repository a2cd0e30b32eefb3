using Alle.Web.Services.Ingestion;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console;

/// <summary>The debugger: the page listens to <c>/console/sources/{id}/stream</c>, which relays Ingestion's server-sent events.</summary>
public sealed class LiveEventsModel(IngestionAdminService ingestion) : PageModel
{
    public Source Source { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken)
    {
        if (await ingestion.GetSourceAsync(id, cancellationToken) is not { } source)
        {
            return NotFound();
        }
        Source = source;
        return Page();
    }
}
