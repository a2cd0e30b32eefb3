using System.Net;
using System.Text.Json;
using Alle.Web.Charts;
using Alle.Web.Journeys;
using Alle.Web.Services;
using Alle.Web.Services.Audiences;
using Alle.Web.Services.Ingestion;
using Alle.Web.Services.Loyalty;
using Alle.Web.Services.Messaging;
using Microsoft.AspNetCore.Html;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console.Journeys;

/// <summary>
/// The journey builder's handlers, shared by the new-journey page and a journey's own page: every button is a form post
/// that re-renders the page with what was typed (add, remove, move, redraw, preview, test, save); <c>Diagram</c> answers
/// the diagram alone for the page's script to redraw it as fields change. Errors Messaging names a step for are shown
/// beside that step.
/// </summary>
public abstract class JourneyBuilderPage(MessagingAdminService messaging, AudiencesAdminService audiences, LoyaltyAdminService loyalty,
    IngestionAdminService ingestion) : PageModel
{
    protected static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    protected MessagingAdminService Messaging => messaging;

    [BindProperty]
    public JourneyForm Form { get; set; } = new();

    /// <summary>The definition typed in "Edit as JSON".</summary>
    [BindProperty]
    public string? DefinitionText { get; set; }

    public IReadOnlyList<Audience> Audiences { get; private set; } = [];

    public IReadOnlyList<Offer> Offers { get; private set; } = [];

    public IReadOnlyList<ComputedTrait> ComputedTraits { get; private set; } = [];

    /// <summary>Event names the sources have sent (Ingestion's event schema), offered where an event is named.</summary>
    public IReadOnlyList<string> EventNames { get; private set; } = [];

    /// <summary>Trait names profiles carry (Audiences' copy of them), offered for a split on a trait.</summary>
    public IReadOnlyList<string> TraitNames { get; private set; } = [];

    public IReadOnlyDictionary<int, IReadOnlyList<string>> StepErrors { get; private set; } = new Dictionary<int, IReadOnlyList<string>>();

    public List<string> Errors { get; } = [];

    public Dictionary<int, TemplatePreview> Previews { get; } = [];

    public Dictionary<int, string> PreviewErrors { get; } = [];

    public Dictionary<int, string> TestResults { get; } = [];

    /// <summary>The step the last button acted on, to bring back into view.</summary>
    public int? FocusStep { get; private set; }

    /// <summary>The journey's id on its own page; null for a new one.</summary>
    public abstract Guid? JourneyId { get; }

    /// <summary>Each step's counts for its box in the diagram (the journey's own page).</summary>
    public virtual IReadOnlyDictionary<string, string>? Captions => null;

    public string SaveLabel => JourneyId is null ? "Create journey" : "Save as new version";

    /// <summary>The form as the definition Messaging takes.</summary>
    public JsonElement Definition => JourneyDefinitionMapping.ToDefinition(Form).Definition;

    public IHtmlContent Diagram() => JourneyDiagram.Svg($"The steps of {Form.Name}", Definition, Captions,
        [.. StepErrors.Keys.Where(i => i < Form.Steps.Count).Select(i => Form.Steps[i].Id)]);

    public async Task<IActionResult> OnPostAddStepAsync(string? newStepType, string? newStepId, CancellationToken cancellationToken)
    {
        Prepare();
        if (StepForm.Types.Any(type => type.Type == newStepType))
        {
            JourneyFormEdits.AddStep(Form, newStepType!, newStepId);
            FocusStep = Form.Steps.Count - 1;
        }
        return await PageAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostRemoveStepAsync(int step, CancellationToken cancellationToken)
    {
        Prepare();
        if (JourneyFormEdits.RemoveStep(Form, step) is { } refused)
        {
            Errors.Add(refused);
            StepErrors = new Dictionary<int, IReadOnlyList<string>> { [step] = [refused] };
            FocusStep = step;
        }
        return await PageAsync(cancellationToken);
    }

    public Task<IActionResult> OnPostMoveUpAsync(int step, CancellationToken cancellationToken) => MoveAsync(step, -1, cancellationToken);

    public Task<IActionResult> OnPostMoveDownAsync(int step, CancellationToken cancellationToken) => MoveAsync(step, +1, cancellationToken);

    public async Task<IActionResult> OnPostRedrawAsync(CancellationToken cancellationToken)
    {
        Prepare();
        return await PageAsync(cancellationToken);
    }

    /// <summary>The diagram of the form as posted, for the page's script.</summary>
    public async Task<IActionResult> OnPostDiagramAsync(CancellationToken cancellationToken)
    {
        Prepare();
        await LoadJourneyAsync(cancellationToken);
        return Content(Diagram().ToString() ?? "", "text/html; charset=utf-8");
    }

    public async Task<IActionResult> OnPostPreviewAsync(int step, CancellationToken cancellationToken)
    {
        Prepare();
        FocusStep = step;
        if (step >= 0 && step < Form.Steps.Count)
        {
            if (string.IsNullOrWhiteSpace(Form.Steps[step].Template))
            {
                PreviewErrors[step] = "Write the text to preview.";
            }
            else
            {
                try
                {
                    Previews[step] = await messaging.PreviewTemplateAsync(Form.Steps[step].Template!, cancellationToken);
                }
                catch (ServiceProblem problem) when (problem.Status == HttpStatusCode.BadRequest)
                {
                    PreviewErrors[step] = problem.Describe();
                }
            }
        }
        return await PageAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostTestAsync(int step, CancellationToken cancellationToken)
    {
        Prepare();
        FocusStep = step;
        if (step >= 0 && step < Form.Steps.Count)
        {
            var target = Form.Steps[step];
            try
            {
                var sent = await messaging.TestSendAsync(target.Template ?? "", target.TestPhone ?? "", cancellationToken);
                TestResults[step] = $"Test sent: \"{sent.GetProperty("text").GetString()}\" ({sent.GetProperty("encoding").GetString()}, {sent.GetProperty("segments").GetInt32()} segment(s)).";
            }
            catch (ServiceProblem problem) when (problem.Status == HttpStatusCode.BadRequest)
            {
                PreviewErrors[step] = problem.Describe();
            }
        }
        return await PageAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostSaveAsync(CancellationToken cancellationToken)
    {
        Prepare();
        var (definition, errors) = JourneyDefinitionMapping.ToDefinition(Form);
        if (errors.Count == 0 && await TrySaveAsync(definition, cancellationToken) is { } saved)
        {
            return saved;
        }
        if (errors.Count > 0)
        {
            ShowErrors(errors);
        }
        return await PageAsync(cancellationToken);
    }

    /// <summary>Saves the definition typed as JSON; the builder below keeps what it had.</summary>
    public async Task<IActionResult> OnPostSaveJsonAsync(CancellationToken cancellationToken)
    {
        JsonElement definition;
        try
        {
            definition = JsonDocument.Parse(DefinitionText ?? "").RootElement.Clone();
        }
        catch (JsonException exception)
        {
            Errors.Add($"The definition is not JSON: {exception.Message}");
            return await PageAsync(cancellationToken, keepJson: true);
        }
        if (await TrySaveAsync(definition, cancellationToken) is { } saved)
        {
            return saved;
        }
        if (definition.ValueKind == JsonValueKind.Object)
        {
            Form = JourneyDefinitionMapping.FromDefinition(definition);
        }
        return await PageAsync(cancellationToken, keepJson: true);
    }

    /// <summary>Creates or revises the journey and says where to go next; Messaging's refusal comes as a <see cref="ServiceProblem"/>.</summary>
    protected abstract Task<IActionResult> SaveAsync(JsonElement definition, CancellationToken cancellationToken);

    /// <summary>Loads what the page shows besides the form (the journey and its counts); false when there is no such journey.</summary>
    protected virtual Task<bool> LoadJourneyAsync(CancellationToken cancellationToken) => Task.FromResult(true);

    protected async Task<IActionResult> PageAsync(CancellationToken cancellationToken, bool keepJson = false)
    {
        if (!await LoadJourneyAsync(cancellationToken))
        {
            return NotFound();
        }
        var audienceList = audiences.ListAsync(cancellationToken);
        var traits = audiences.ListComputedTraitsAsync(cancellationToken);
        var offers = loyalty.ListOffersAsync(cancellationToken);
        var names = LoadNamesAsync(cancellationToken);
        await Task.WhenAll(audienceList, traits, offers, names);
        Audiences = audienceList.Result;
        ComputedTraits = traits.Result;
        (EventNames, TraitNames) = names.Result;
        Offers = [.. offers.Result.Where(offer => offer.Active && offer.EndsAt > DateTimeOffset.UtcNow)];
        if (!keepJson)
        {
            DefinitionText = JsonSerializer.Serialize(Definition, Indented);
        }
        // What was typed is what the page shows again, not what the model state remembers of the post.
        ModelState.Clear();
        foreach (var error in Errors)
        {
            ModelState.AddModelError(string.Empty, error);
        }
        return Page();
    }

    private async Task<(IReadOnlyList<string> Events, IReadOnlyList<string> Traits)> LoadNamesAsync(CancellationToken cancellationToken)
    {
        try
        {
            var schema = ingestion.SchemaAsync(null, cancellationToken);
            var traits = audiences.TraitNamesAsync(cancellationToken);
            await Task.WhenAll(schema, traits);
            var events = schema.Result.SelectMany(source => source.Events).Where(e => e is { Type: "track", Event: not null })
                .Select(e => e.Event!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            return (events, [.. traits.Result.Select(trait => trait.Name)]);
        }
        catch (Exception exception) when (exception is ServiceProblem or HttpRequestException)
        {
            // Names are suggestions: without them the fields still take names typed by hand.
            return ([], []);
        }
    }

    private async Task<IActionResult?> TrySaveAsync(JsonElement definition, CancellationToken cancellationToken)
    {
        try
        {
            return await SaveAsync(definition, cancellationToken);
        }
        catch (ServiceProblem problem) when (problem.Status is HttpStatusCode.BadRequest or HttpStatusCode.Conflict or HttpStatusCode.ServiceUnavailable)
        {
            if (problem.Errors.Count > 0)
            {
                ShowErrors(problem.Errors);
            }
            else
            {
                Errors.Add(problem.Describe());
            }
            return null;
        }
    }

    private void ShowErrors(IReadOnlyDictionary<string, string[]> errors)
    {
        var (byStep, journey) = JourneyFormEdits.SortErrors(errors);
        StepErrors = byStep;
        Errors.AddRange(journey);
        Errors.AddRange(byStep.OrderBy(pair => pair.Key).SelectMany(pair => pair.Value));
        FocusStep = byStep.Keys.Order().Cast<int?>().FirstOrDefault();
    }

    private async Task<IActionResult> MoveAsync(int step, int by, CancellationToken cancellationToken)
    {
        Prepare();
        JourneyFormEdits.MoveStep(Form, step, by);
        FocusStep = Math.Clamp(step + by, 0, Math.Max(0, Form.Steps.Count - 1));
        return await PageAsync(cancellationToken);
    }

    private void Prepare()
    {
        JourneyFormEdits.DropBlankRows(Form);
        JourneyFormEdits.FollowRenames(Form);
    }
}
