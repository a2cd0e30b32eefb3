using Alle.Web.Services;
using Alle.Web.Services.Audiences;
using Alle.Web.Services.Ingestion;
using Microsoft.AspNetCore.Mvc;

namespace Alle.Web.Pages.Console.Audiences;

/// <summary>A new audience: the builder, a preview before saving, then the audience.</summary>
public sealed class NewModel(AudiencesAdminService audiences, IngestionAdminService ingestion) : AudienceBuilderModel(audiences, ingestion)
{
    [BindProperty]
    public string? Key { get; set; }

    public async Task OnGetAsync(string? template, CancellationToken cancellationToken)
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
        await LoadSchemaAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostSaveAsync(CancellationToken cancellationToken)
    {
        await LoadSchemaAsync(cancellationToken);
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
            var created = await AudiencesService.CreateAsync(Key!.Trim(), Name!.Trim(), Trimmed(Description), condition, KnownMembersOnly, cancellationToken);
            TempData["Notice"] = $"Audience {created.Key} saved; its members are being computed.";
            return Redirect($"/console/audiences/{Uri.EscapeDataString(created.Key)}");
        }
        catch (ServiceProblem problem) when ((int)problem.Status is 400 or 409)
        {
            ModelState.AddModelError(string.Empty, problem.Describe());
            return Page();
        }
    }
}
