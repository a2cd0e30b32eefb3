using System.Text.Json;
using Alle.Web.Services;
using Alle.Web.Services.Audiences;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console.Audiences;

/// <summary>The audience builder: conditions in a form, a preview (count and sample) before saving, then the audience.</summary>
public sealed class NewModel(AudiencesAdminService audiences) : PageModel
{
    public static readonly string[] KnownEvents =
        ["Provider Searched", "Provider Checked In", "Offer Redeemed", "Offer Issued", "Purchase Completed", "Points Earned", "Member Enrolled", "Signed In", "SMS Received"];

    [BindProperty]
    public List<ConditionRow> Rows { get; set; } = [];

    [BindProperty]
    public string Combine { get; set; } = "and";

    [BindProperty]
    public string? Key { get; set; }

    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string? Description { get; set; }

    public AudiencePreview? Preview { get; private set; }

    public string? ConditionText { get; private set; }

    public void OnGet(string? template)
    {
        Rows = template == "north-star"
            ?
            [
                new ConditionRow { Event = "Provider Searched", Within = "30d" },
                new ConditionRow { Negate = true, Event = "Offer Redeemed" },
            ]
            : [new ConditionRow(), new ConditionRow()];
        if (template == "north-star")
        {
            Key = "searched_never_redeemed";
            Name = "Searched for providers in the last 30 days, never redeemed an offer";
        }
    }

    public IActionResult OnPostAddRow()
    {
        Rows.Add(new ConditionRow());
        ModelState.Clear();
        return Page();
    }

    public async Task<IActionResult> OnPostPreviewAsync(CancellationToken cancellationToken)
    {
        if (BuildCondition() is not { } condition)
        {
            return Page();
        }
        try
        {
            Preview = await audiences.PreviewAsync(condition, 10, cancellationToken);
        }
        catch (ServiceProblem problem) when (problem.Status == System.Net.HttpStatusCode.BadRequest)
        {
            ModelState.AddModelError(string.Empty, problem.Describe());
        }
        return Page();
    }

    public async Task<IActionResult> OnPostSaveAsync(CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(Key) || string.IsNullOrWhiteSpace(Name))
        {
            ModelState.AddModelError(string.Empty, "Give the audience a key and a name.");
        }
        if (BuildCondition() is not { } condition || !ModelState.IsValid)
        {
            return Page();
        }
        try
        {
            var created = await audiences.CreateAsync(Key!.Trim(), Name!.Trim(), string.IsNullOrWhiteSpace(Description) ? null : Description.Trim(), condition, cancellationToken);
            TempData["Notice"] = $"Audience {created.Key} saved; its members are being computed.";
            return Redirect($"/console/audiences/{Uri.EscapeDataString(created.Key)}");
        }
        catch (ServiceProblem problem) when ((int)problem.Status is 400 or 409)
        {
            ModelState.AddModelError(string.Empty, problem.Describe());
            return Page();
        }
    }

    private JsonElement? BuildCondition()
    {
        if (Rows.Count == 0)
        {
            Rows.Add(new ConditionRow());
        }
        var (condition, errors) = ConditionForm.Build(Rows, Combine);
        foreach (var error in errors)
        {
            ModelState.AddModelError(string.Empty, error);
        }
        ConditionText = condition is { } built ? JsonSerializer.Serialize(built, new JsonSerializerOptions { WriteIndented = true }) : null;
        return condition;
    }
}
