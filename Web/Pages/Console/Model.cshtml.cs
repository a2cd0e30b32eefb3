using Alle.Web.Services.Audiences;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console;

public sealed class ModelModel(AudiencesAdminService audiences) : PageModel
{
    public Model Item { get; private set; } = null!;

    public IReadOnlyList<ModelRun> Runs { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string key, CancellationToken cancellationToken)
    {
        if (await audiences.GetModelAsync(key, cancellationToken) is not { } model)
        {
            return NotFound();
        }
        Item = model;
        Runs = await audiences.ModelRunsAsync(key, cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string key, CancellationToken cancellationToken)
    {
        await audiences.RunModelAsync(key, cancellationToken);
        TempData["Notice"] = "Run queued.";
        return RedirectToPage();
    }
}
