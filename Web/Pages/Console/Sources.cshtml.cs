using Alle.Web.Services;
using Alle.Web.Services.Ingestion;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console;

/// <summary>Sources and their write keys: create, rotate (the new key is shown once), enable and disable.</summary>
public sealed class SourcesModel(IngestionAdminService ingestion) : PageModel
{
    public IReadOnlyList<Source> Sources { get; private set; } = [];

    public (string Source, string WriteKey)? NewKey { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => Sources = await ingestion.ListSourcesAsync(cancellationToken);

    public async Task<IActionResult> OnPostCreateAsync(string? name, string? id, CancellationToken cancellationToken)
    {
        try
        {
            var created = await ingestion.CreateSourceAsync(name ?? "", id, cancellationToken);
            NewKey = (created.Source.Name, created.WriteKey);
        }
        catch (ServiceProblem problem) when ((int)problem.Status is 400 or 409)
        {
            ModelState.AddModelError(string.Empty, problem.Describe());
        }
        await OnGetAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostRotateAsync(string id, CancellationToken cancellationToken)
    {
        var rotated = await ingestion.RotateKeyAsync(id, cancellationToken);
        NewKey = (rotated.Source.Name, rotated.WriteKey);
        await OnGetAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostToggleAsync(string id, bool enabled, CancellationToken cancellationToken)
    {
        await ingestion.SetEnabledAsync(id, enabled, cancellationToken);
        return RedirectToPage();
    }
}
