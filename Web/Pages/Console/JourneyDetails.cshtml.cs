using System.Globalization;
using System.Text.Json;
using Alle.Web.Services;
using Alle.Web.Services.Messaging;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console;

/// <summary>
/// One journey: its graph as a diagram with each step's counts, the goal's conversion per path and the lift of each arm
/// against the holdout, the definition to edit as a new version (errors point at the step), and a test text of a step.
/// </summary>
public sealed class JourneyDetailsModel(MessagingAdminService messaging) : PageModel
{
    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    public Journey Journey { get; private set; } = null!;

    [BindProperty]
    public string? DefinitionText { get; set; }

    [BindProperty]
    public string? TestTemplate { get; set; }

    [BindProperty]
    public string? TestPhone { get; set; }

    public IReadOnlyList<string> Errors { get; private set; } = [];

    public string? TestResult { get; private set; }

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }
        DefinitionText = JsonSerializer.Serialize(Journey.Definition, s_indented);
        return Page();
    }

    public async Task<IActionResult> OnPostSaveAsync(Guid id, CancellationToken cancellationToken)
    {
        JsonElement definition;
        try
        {
            definition = JsonDocument.Parse(DefinitionText ?? "").RootElement.Clone();
        }
        catch (JsonException exception)
        {
            Errors = [$"The definition is not JSON: {exception.Message}"];
            return await LoadAsync(id, cancellationToken) ? Page() : NotFound();
        }
        try
        {
            var revised = await messaging.ReviseJourneyAsync(id, definition, cancellationToken);
            TempData["Notice"] = $"Saved as version {revised.Version.ToString(CultureInfo.InvariantCulture)}; members already inside finish on their version.";
            return RedirectToPage(new { id });
        }
        catch (ServiceProblem problem) when (problem.Status is System.Net.HttpStatusCode.BadRequest or System.Net.HttpStatusCode.Conflict)
        {
            Errors = problem.Errors.Count > 0
                ? problem.Errors.SelectMany(error => error.Value.Select(message => $"{error.Key}: {message}")).ToList()
                : new List<string> { problem.Describe() };
        }
        return await LoadAsync(id, cancellationToken) ? Page() : NotFound();
    }

    public async Task<IActionResult> OnPostTestAsync(Guid id, CancellationToken cancellationToken)
    {
        try
        {
            var sent = await messaging.TestSendAsync(TestTemplate ?? "", TestPhone ?? "", cancellationToken);
            TestResult = $"Sent: \"{sent.GetProperty("text").GetString()}\" ({sent.GetProperty("encoding").GetString()}, {sent.GetProperty("segments").GetInt32()} segment(s)).";
        }
        catch (ServiceProblem problem) when (problem.Status == System.Net.HttpStatusCode.BadRequest)
        {
            Errors = [problem.Describe()];
        }
        return await LoadAsync(id, cancellationToken) ? Page() : NotFound();
    }

    /// <summary>A step's counts in a few words, for its box in the diagram.</summary>
    public static IReadOnlyDictionary<string, string> Captions(JourneyCounts? counts) =>
        (counts?.Steps ?? []).ToDictionary(step => step.StepId, step =>
            $"in {step.Entered} · waiting {step.Waiting}{(step.Sent > 0 || step.Type == "send_sms" ? $" · sent {step.Sent}" : "")}{(step.WaitingForContact > 0 ? $" · no contact yet {step.WaitingForContact}" : "")}");

    /// <summary>The send_sms steps' templates, for the test-text form.</summary>
    public IEnumerable<string> Templates() => Journey.Definition.TryGetProperty("steps", out var steps) && steps.ValueKind == JsonValueKind.Array
        ? steps.EnumerateArray().Where(step => step.TryGetProperty("template", out var t) && t.ValueKind == JsonValueKind.String).Select(step => step.GetProperty("template").GetString()!)
        : [];

    private async Task<bool> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await messaging.GetJourneyAsync(id, cancellationToken) is not { } journey)
        {
            return false;
        }
        Journey = journey;
        return true;
    }
}
