using System.Text.Json;
using Alle.Web.Services;
using Alle.Web.Services.Audiences;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console.Audiences;

public sealed class DetailsModel(AudiencesAdminService audiences) : PageModel
{
    public Audience Audience { get; private set; } = null!;

    public string ConditionText { get; private set; } = "";

    public IReadOnlyList<SizePoint> Sizes { get; private set; } = [];

    public MembersPage Members { get; private set; } = new([], 0, null);

    public IReadOnlyList<MembershipChange> Changes { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string key, CancellationToken cancellationToken)
    {
        if (await audiences.GetAsync(key, cancellationToken) is not { } audience)
        {
            return NotFound();
        }
        Audience = audience;
        ConditionText = JsonSerializer.Serialize(audience.Condition, new JsonSerializerOptions { WriteIndented = true });
        var sizes = audiences.SizeHistoryAsync(key, 30, cancellationToken);
        var members = audiences.MembersAsync(key, 50, cancellationToken);
        var changes = audiences.HistoryAsync(key, 25, cancellationToken);
        await Task.WhenAll(sizes, members, changes);
        Sizes = sizes.Result;
        Members = members.Result;
        Changes = changes.Result;
        return Page();
    }

    public async Task<IActionResult> OnPostDeleteAsync(string key, bool confirm, CancellationToken cancellationToken)
    {
        if (!confirm)
        {
            TempData["Notice"] = "Tick the box to confirm the deletion; nothing was deleted.";
            return RedirectToPage();
        }
        try
        {
            await audiences.DeleteAsync(key, cancellationToken);
        }
        catch (ServiceProblem problem) when ((int)problem.Status == 409)
        {
            TempData["Notice"] = problem.Describe();
            return RedirectToPage();
        }
        TempData["Notice"] = $"Audience {key} deleted; its members exit.";
        return Redirect("/console/audiences");
    }

    public async Task<IActionResult> OnPostComputeAsync(string key, CancellationToken cancellationToken)
    {
        await audiences.RecomputeAsync(key, cancellationToken);
        TempData["Notice"] = "Recomputation requested.";
        return RedirectToPage();
    }
}
