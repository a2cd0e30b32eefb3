using Alle.Web.Services;
using Alle.Web.Services.Audiences;
using Alle.Web.Services.Ingestion;
using Microsoft.AspNetCore.Mvc;

namespace Alle.Web.Pages.Console.Audiences;

/// <summary>An existing audience in the builder: its lines (or its JSON when the lines cannot show it), previewed and saved; it is then computed again.</summary>
public sealed class EditModel(AudiencesAdminService audiences, IngestionAdminService ingestion) : AudienceBuilderModel(audiences, ingestion)
{
    [BindProperty(SupportsGet = true)]
    public string Key { get; set; } = "";

    protected override string? OwnKey => Key;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (await AudiencesService.GetAsync(Key, cancellationToken) is not { } audience)
        {
            return NotFound();
        }
        Key = audience.Key;
        Name = audience.Name;
        Description = audience.Description;
        KnownMembersOnly = audience.KnownMembersOnly;
        if (ConditionReader.TryRead(audience.Condition) is { } lines)
        {
            (Combine, Rows, GroupCombines) = (lines.Combine, lines.Rows, lines.GroupCombines);
        }
        else
        {
            ConditionJson = System.Text.Json.JsonSerializer.Serialize(audience.Condition, new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
        }
        await LoadSchemaAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostSaveAsync(CancellationToken cancellationToken)
    {
        await LoadSchemaAsync(cancellationToken);
        if (string.IsNullOrWhiteSpace(Name))
        {
            ModelState.AddModelError(string.Empty, "Give the audience a name.");
        }
        if (BuildCondition() is not { } condition || !ModelState.IsValid)
        {
            return Page();
        }
        try
        {
            var updated = await AudiencesService.UpdateAsync(Key, Name!.Trim(), Trimmed(Description), condition, KnownMembersOnly, cancellationToken);
            TempData["Notice"] = $"Audience {updated.Key} saved; its members are being computed again.";
            return Redirect($"/console/audiences/{Uri.EscapeDataString(updated.Key)}");
        }
        catch (ServiceProblem problem) when ((int)problem.Status is 400 or 404)
        {
            ModelState.AddModelError(string.Empty, problem.Describe());
            return Page();
        }
    }
}
