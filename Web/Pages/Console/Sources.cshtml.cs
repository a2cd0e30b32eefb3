using Alle.Web.Services;
using Alle.Web.Services.Ingestion;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console;

/// <summary>
/// Sources and their write keys: each source's events per hour and last event seen; create, rotate the key (the new key
/// is shown once), enable and disable. Rotating and disabling first show what stops working and ask for confirmation
/// (<c>?confirm=rotate|disable&amp;id=…</c>, a page of its own, no script).
/// </summary>
public sealed class SourcesModel(IngestionAdminService ingestion) : PageModel
{
    public IReadOnlyList<(Source Source, SourceVolume Volume)> Sources { get; private set; } = [];

    public (string Source, string WriteKey)? NewKey { get; private set; }

    /// <summary>The change waiting for confirmation, with the source it is about.</summary>
    public (SourceAction Action, Source Source, SourceVolume Volume)? Confirmation { get; private set; }

    public async Task<IActionResult> OnGetAsync(string? confirm, string? id, CancellationToken cancellationToken)
    {
        if (confirm is null)
        {
            await LoadAsync(cancellationToken);
            return Page();
        }
        if (!Enum.TryParse<SourceAction>(confirm, ignoreCase: true, out var action) || !Enum.IsDefined(action) || id is null
            || await ingestion.GetSourceAsync(id, cancellationToken) is not { } source)
        {
            return NotFound();
        }
        Confirmation = (action, source, await ingestion.VolumeAsync(id, cancellationToken));
        return Page();
    }

    public async Task<IActionResult> OnPostCreateAsync(string? name, string? id, CancellationToken cancellationToken)
    {
        try
        {
            var created = await ingestion.CreateSourceAsync(name ?? "", id, cancellationToken);
            NewKey = (created.Source.Name, created.WriteKey);
        }
        catch (ServiceProblem problem) when ((int)problem.Status is 400 or 409)
        {
            ModelState.AddModelError(string.Empty, problem.Describe());
        }
        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostRotateAsync(string id, CancellationToken cancellationToken)
    {
        var rotated = await ingestion.RotateKeyAsync(id, cancellationToken);
        NewKey = (rotated.Source.Name, rotated.WriteKey);
        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostToggleAsync(string id, bool enabled, CancellationToken cancellationToken)
    {
        var source = await ingestion.SetEnabledAsync(id, enabled, cancellationToken);
        TempData["Notice"] = $"{source.Name} is {(source.Enabled ? "enabled" : "disabled")}.";
        return RedirectToPage();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var sources = await ingestion.ListSourcesAsync(cancellationToken);
        var volumes = await Task.WhenAll(sources.Select(source => ingestion.VolumeAsync(source.Id, cancellationToken)));
        Sources = [.. sources.Zip(volumes)];
    }
}

/// <summary>A change to a source that stops senders, so the console asks before making it.</summary>
public enum SourceAction
{
    Rotate,
    Disable,
}
