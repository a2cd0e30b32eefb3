using System.Text.Json;
using Alle.Web.Pages.Console.TrackingPlans;
using Alle.Web.Services;
using Alle.Web.Services.Ingestion;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console;

/// <summary>
/// A source's tracking plan: an editor per event (name, description, properties with type and required) that writes the
/// JSON Schema Ingestion checks events against, the plan as raw JSON as an alternative, and the violations found.
/// Events and properties are added and removed by form posts; nothing is saved until "Save plan".
/// </summary>
public sealed class TrackingPlanModel(IngestionAdminService ingestion) : PageModel
{
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    public const string Placeholder = """
        For example (a placeholder, not saved):
        {
          "events": [
            { "name": "Provider Searched", "properties": { "type": "object", "required": ["zip"], "properties": { "zip": { "type": "string" } } } }
          ],
          "unplannedEvents": "allow",
          "violations": "flag"
        }
        """;

    public Source Source { get; private set; } = null!;

    /// <summary>Whether the source has a saved plan.</summary>
    public bool HasPlan { get; private set; }

    [BindProperty]
    public TrackingPlanForm Form { get; set; } = new();

    /// <summary>Why the editor cannot show the saved plan (it is edited as JSON then); null when it can.</summary>
    public string? Unsupported { get; private set; }

    /// <summary>Whether the raw editor is open: the editor cannot show the plan, or the operator is editing the JSON.</summary>
    public bool RawOpen { get; private set; }

    /// <summary>The raw editor's text: the saved plan, or what the operator typed.</summary>
    public string PlanText { get; private set; } = "";

    public IReadOnlyList<EventViolations> Violations { get; private set; } = [];

    private JsonElement? _savedPlan;

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }
        ReadSavedPlanIntoForm();
        return Page();
    }

    public Task<IActionResult> OnPostAddEventAsync(string id, CancellationToken cancellationToken) =>
        EditAsync(id, () => Form.Events.Add(new PlannedEventForm()), cancellationToken);

    public Task<IActionResult> OnPostRemoveEventAsync(string id, int index, CancellationToken cancellationToken) =>
        EditAsync(id, () => RemoveAt(Form.Events, index), cancellationToken);

    public Task<IActionResult> OnPostAddPropertyAsync(string id, int index, CancellationToken cancellationToken) =>
        EditAsync(id, () => Form.Events.ElementAtOrDefault(index)?.Properties.Add(new PropertyForm()), cancellationToken);

    public Task<IActionResult> OnPostRemovePropertyAsync(string id, int index, int property, CancellationToken cancellationToken) =>
        EditAsync(id, () => RemoveAt(Form.Events.ElementAtOrDefault(index)?.Properties, property), cancellationToken);

    public async Task<IActionResult> OnPostSaveAsync(string id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }
        ModelState.Clear();
        foreach (var (field, message) in TrackingPlanMapping.Check(Form))
        {
            ModelState.AddModelError(field, message);
        }
        if (!ModelState.IsValid)
        {
            return Page();
        }
        var document = JsonSerializer.SerializeToElement(TrackingPlanMapping.ToDocument(Form));
        return await SaveAsync(id, document, cancellationToken);
    }

    public async Task<IActionResult> OnPostSaveJsonAsync(string id, string? plan, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }
        ReadSavedPlanIntoForm();
        PlanText = plan ?? "";
        RawOpen = true;
        ModelState.Clear();
        JsonElement document;
        try
        {
            document = JsonSerializer.Deserialize<JsonElement>(PlanText);
        }
        catch (JsonException exception)
        {
            ModelState.AddModelError("plan", $"Not valid JSON: {exception.Message}");
            return Page();
        }
        return await SaveAsync(id, document, cancellationToken);
    }

    private async Task<IActionResult> SaveAsync(string id, JsonElement document, CancellationToken cancellationToken)
    {
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
        return RedirectToPage(new { id });
    }

    private async Task<IActionResult> EditAsync(string id, Action edit, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }
        ModelState.Clear();
        edit();
        return Page();
    }

    private static void RemoveAt<T>(List<T>? items, int index)
    {
        if (items is not null && index >= 0 && index < items.Count)
        {
            items.RemoveAt(index);
        }
    }

    private async Task<bool> LoadAsync(string id, CancellationToken cancellationToken)
    {
        if (await ingestion.GetSourceAsync(id, cancellationToken) is not { } source)
        {
            return false;
        }
        Source = source;
        Violations = await ingestion.ViolationsAsync(id, cancellationToken);
        _savedPlan = await ingestion.GetTrackingPlanAsync(id, cancellationToken);
        HasPlan = _savedPlan is not null;
        PlanText = _savedPlan is { } plan ? JsonSerializer.Serialize(plan, s_indented) : "";
        return true;
    }

    private void ReadSavedPlanIntoForm()
    {
        if (_savedPlan is { } plan)
        {
            (var form, Unsupported) = TrackingPlanMapping.FromDocument(plan);
            Form = form ?? new TrackingPlanForm();
            RawOpen = Unsupported is not null;
        }
    }
}
