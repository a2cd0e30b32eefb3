using System.Text.Json;
using Alle.Web.Services;
using Alle.Web.Services.Ingestion;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console;

public sealed class TrackingPlanModel(IngestionAdminService ingestion) : PageModel
{
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    public const string Example = """
        {
          "events": [
            { "name": "Provider Searched", "properties": { "type": "object", "required": ["zip"], "properties": { "zip": { "type": "string" } } } }
          ],
          "unplannedEvents": "allow",
          "violations": "flag"
        }
        """;

    public Source Source { get; private set; } = null!;

    public string PlanText { get; private set; } = Example;

    public IReadOnlyList<EventViolations> Violations { get; private set; } = [];

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }
        if (await ingestion.GetTrackingPlanAsync(id, cancellationToken) is { } plan)
        {
            PlanText = JsonSerializer.Serialize(plan, s_indented);
        }
        return Page();
    }

    public async Task<IActionResult> OnPostAsync(string id, string? plan, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }
        PlanText = plan ?? "";
        JsonElement document;
        try
        {
            document = JsonSerializer.Deserialize<JsonElement>(PlanText);
        }
        catch (JsonException exception)
        {
            ModelState.AddModelError(string.Empty, $"Not valid JSON: {exception.Message}");
            return Page();
        }
        try
        {
            await ingestion.SaveTrackingPlanAsync(id, document, cancellationToken);
        }
        catch (ServiceProblem problem) when (problem.Status == System.Net.HttpStatusCode.BadRequest)
        {
            foreach (var (field, messages) in problem.Errors)
            {
                ModelState.AddModelError(string.Empty, $"{field}: {string.Join(" ", messages)}");
            }
            if (problem.Errors.Count == 0)
            {
                ModelState.AddModelError(string.Empty, problem.Describe());
            }
            return Page();
        }
        TempData["Notice"] = "Tracking plan saved.";
        return RedirectToPage();
    }

    private async Task<bool> LoadAsync(string id, CancellationToken cancellationToken)
    {
        if (await ingestion.GetSourceAsync(id, cancellationToken) is not { } source)
        {
            return false;
        }
        Source = source;
        Violations = await ingestion.ViolationsAsync(id, cancellationToken);
        return true;
    }
}
