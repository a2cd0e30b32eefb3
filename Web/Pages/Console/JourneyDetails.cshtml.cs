using System.Globalization;
using System.Text.Json;
using Alle.Web.Journeys;
using Alle.Web.Pages.Console.Journeys;
using Alle.Web.Services.Audiences;
using Alle.Web.Services.Ingestion;
using Alle.Web.Services.Loyalty;
using Alle.Web.Services.Messaging;
using Microsoft.AspNetCore.Mvc;

namespace Alle.Web.Pages.Console;

/// <summary>
/// One journey: its counts per step, the goal's conversion per path and each arm's lift against the holdout, and the
/// builder to edit it as a new version (the diagram with each step's counts; or the definition as JSON).
/// </summary>
public sealed class JourneyDetailsModel(MessagingAdminService messaging, AudiencesAdminService audiences, LoyaltyAdminService loyalty,
    IngestionAdminService ingestion)
    : JourneyBuilderPage(messaging, audiences, loyalty, ingestion)
{
    public Guid Id => RouteData.Values.TryGetValue("id", out var id) && Guid.TryParse(id?.ToString(), out var guid) ? guid : Guid.Empty;

    public Journey Journey { get; private set; } = null!;

    public override Guid? JourneyId => Id;

    public override IReadOnlyDictionary<string, string>? Captions => CountCaptions(Journey.Counts);

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (!await LoadJourneyAsync(cancellationToken))
        {
            return NotFound();
        }
        Form = JourneyDefinitionMapping.FromDefinition(Journey.Definition);
        return await PageAsync(cancellationToken);
    }

    protected override async Task<IActionResult> SaveAsync(JsonElement definition, CancellationToken cancellationToken)
    {
        var revised = await Messaging.ReviseJourneyAsync(Id, definition, cancellationToken);
        TempData["Notice"] = $"Saved as version {revised.Version.ToString(CultureInfo.InvariantCulture)}; members already inside finish on their version.";
        return RedirectToPage(new { id = Id });
    }

    protected override async Task<bool> LoadJourneyAsync(CancellationToken cancellationToken)
    {
        if (await Messaging.GetJourneyAsync(Id, cancellationToken) is not { } journey)
        {
            return false;
        }
        Journey = journey;
        return true;
    }

    /// <summary>A step's counts in a few words, for its box in the diagram (a text step's sent and delivered too).</summary>
    public static IReadOnlyDictionary<string, string> CountCaptions(JourneyCounts? counts) =>
        (counts?.Steps ?? []).ToDictionary(step => step.StepId, step => string.Join(" · ", new[]
        {
            $"in {step.Entered}",
            step.Waiting > 0 ? $"waiting {step.Waiting}" : null,
            step.Type == "send_sms" || step.Sent > 0 ? $"sent {step.Sent}" : null,
            step.Type == "send_sms" || step.Delivered > 0 ? $"delivered {step.Delivered}" : null,
            step.WaitingForContact > 0 ? $"no contact yet {step.WaitingForContact}" : null,
        }.OfType<string>()));
}
