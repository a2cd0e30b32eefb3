using System.Text.Json;
using Alle.Web.Journeys;
using Alle.Web.Services.Audiences;
using Alle.Web.Services.Ingestion;
using Alle.Web.Services.Loyalty;
using Alle.Web.Services.Messaging;
using Microsoft.AspNetCore.Mvc;

namespace Alle.Web.Pages.Console.Journeys;

/// <summary>A new journey built in the form (or typed as JSON); created active, then listed with the others.</summary>
public sealed class NewModel(MessagingAdminService messaging, AudiencesAdminService audiences, LoyaltyAdminService loyalty,
    IngestionAdminService ingestion)
    : JourneyBuilderPage(messaging, audiences, loyalty, ingestion)
{
    public override Guid? JourneyId => null;

    public Task<IActionResult> OnGetAsync(string? audience, CancellationToken cancellationToken)
    {
        Form = JourneyFormEdits.NewJourney(audience);
        return PageAsync(cancellationToken);
    }

    protected override async Task<IActionResult> SaveAsync(JsonElement definition, CancellationToken cancellationToken)
    {
        var journey = await Messaging.CreateJourneyAsync(definition, cancellationToken);
        TempData["Notice"] = $"Journey \"{journey.Name}\" created and active.";
        return RedirectToPage("/Console/Journeys");
    }
}
