using System.Text.Json;
using Alle.Web.Services.Messaging;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console;

/// <summary>Journeys with their counts by outcome; pause and resume. New journeys are built on /console/journeys/new.</summary>
public sealed class JourneysModel(MessagingAdminService messaging) : PageModel
{
    public IReadOnlyList<Journey> Journeys { get; private set; } = [];

    /// <summary>The list; an audience's "start a journey" link goes on to the builder with that audience chosen.</summary>
    public async Task<IActionResult> OnGetAsync(string? audience, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(audience))
        {
            return RedirectToPage("/Console/Journeys/New", new { audience });
        }
        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostPauseAsync(Guid id, CancellationToken cancellationToken)
    {
        await messaging.SetJourneyActiveAsync(id, active: false, cancellationToken);
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostResumeAsync(Guid id, CancellationToken cancellationToken)
    {
        await messaging.SetJourneyActiveAsync(id, active: true, cancellationToken);
        return RedirectToPage();
    }

    public static string DescribeTrigger(JsonElement definition)
    {
        if (!definition.TryGetProperty("trigger", out var trigger))
        {
            return "";
        }
        return trigger.GetProperty("type").GetString() == "audience"
            ? $"enters {trigger.GetProperty("audienceKey").GetString()}"
            : $"event {(trigger.TryGetProperty("event", out var name) ? name.GetString() : "")}";
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var list = await messaging.ListJourneysAsync(cancellationToken);
        // The list has no counts; each journey's own read has them.
        Journeys = await Task.WhenAll(list.OrderByDescending(j => j.CreatedAt).Take(50)
            .Select(async j => await messaging.GetJourneyAsync(j.Id, cancellationToken) ?? j));
    }
}
