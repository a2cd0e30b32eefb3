using Alle.Web.Services;
using Alle.Web.Services.Audiences;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console;

public sealed class ModelsModel(AudiencesAdminService audiences) : PageModel
{
    [BindProperty]
    public ModelInput Input { get; set; } = new();

    public IReadOnlyList<Model> Models { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) => Models = await audiences.ListModelsAsync(cancellationToken);

    public async Task<IActionResult> OnPostRunAsync(string key, CancellationToken cancellationToken)
    {
        await audiences.RunModelAsync(key, cancellationToken);
        TempData["Notice"] = $"Run of {key} queued.";
        return Redirect($"/console/models/{Uri.EscapeDataString(key)}");
    }

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken cancellationToken)
    {
        try
        {
            var created = await audiences.CreateModelAsync(Input.ToRequest(), cancellationToken);
            TempData["Notice"] = $"Model {created.Key} created; a first run is queued.";
            return Redirect($"/console/models/{Uri.EscapeDataString(created.Key)}");
        }
        catch (ServiceProblem problem) when ((int)problem.Status is 400 or 409)
        {
            foreach (var (field, messages) in problem.Errors)
            {
                ModelState.AddModelError(string.Empty, $"{field}: {string.Join(" ", messages)}");
            }
            if (problem.Errors.Count == 0)
            {
                ModelState.AddModelError(string.Empty, problem.Describe());
            }
        }
        await OnGetAsync(cancellationToken);
        return Page();
    }

    public sealed class ModelInput
    {
        public string? Key { get; set; }

        public string? Name { get; set; }

        public string? Query { get; set; }

        public string? Schedule { get; set; }

        public string? IdentifierColumn { get; set; } = "user_id";

        public string IdentifierType { get; set; } = "user_id";

        /// <summary>"score=offer_propensity, best=best_offer".</summary>
        public string? TraitColumns { get; set; }

        public object ToRequest() => new
        {
            key = Key?.Trim(),
            name = Name?.Trim(),
            query = Query,
            schedule = string.IsNullOrWhiteSpace(Schedule) ? null : Schedule.Trim(),
            identifierColumn = IdentifierColumn?.Trim(),
            identifierType = IdentifierType,
            traitColumns = (TraitColumns ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(pair => pair.Split('=', 2, StringSplitOptions.TrimEntries))
                .Where(pair => pair.Length == 2 && pair[0].Length > 0 && pair[1].Length > 0)
                .ToDictionary(pair => pair[0], pair => pair[1]),
        };
    }
}
