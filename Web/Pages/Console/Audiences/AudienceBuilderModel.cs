using System.Text.Json;
using Alle.Web.Services;
using Alle.Web.Services.Audiences;
using Alle.Web.Services.Ingestion;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console.Audiences;

/// <summary>
/// The audience builder shared by the new and edit pages: condition lines (top level or in groups A–C) with pickers
/// filled from the sources' event schema, the profiles' trait keys, computed traits and other audiences; a preview
/// (count, known members, reachable by text, sample); the known-members-only option. Every choice is a form post, so
/// it works without JavaScript: <em>Update choices</em> re-renders each line's operators and value input for the
/// type of what it names.
/// </summary>
public abstract class AudienceBuilderModel(AudiencesAdminService audiences, IngestionAdminService ingestion) : PageModel
{
    protected AudiencesAdminService AudiencesService => audiences;

    [BindProperty]
    public List<ConditionRow> Rows { get; set; } = [];

    [BindProperty]
    public string Combine { get; set; } = "and";

    [BindProperty]
    public Dictionary<string, string> GroupCombines { get; set; } = [];

    [BindProperty]
    public bool KnownMembersOnly { get; set; }

    /// <summary>A condition the lines cannot show, edited as JSON instead (only when editing such an audience).</summary>
    [BindProperty]
    public string? ConditionJson { get; set; }

    [BindProperty]
    public string? Name { get; set; }

    [BindProperty]
    public string? Description { get; set; }

    public BuilderSchema Schema { get; private set; } = BuilderSchema.Empty;

    public bool SchemaUnavailable { get; private set; }

    public AudiencePreview? Preview { get; private set; }

    public string? ConditionText { get; private set; }

    /// <summary>Audience keys a condition may not name (the audience being edited).</summary>
    protected virtual string? OwnKey => null;

    public async Task<IActionResult> OnPostAddRowAsync(CancellationToken cancellationToken)
    {
        Rows.Add(new ConditionRow());
        ModelState.Clear();
        await LoadSchemaAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostRefreshAsync(CancellationToken cancellationToken)
    {
        ModelState.Clear();
        await LoadSchemaAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostPreviewAsync(CancellationToken cancellationToken)
    {
        await LoadSchemaAsync(cancellationToken);
        if (BuildCondition() is not { } condition)
        {
            return Page();
        }
        try
        {
            Preview = await audiences.PreviewAsync(condition, KnownMembersOnly, 10, cancellationToken);
        }
        catch (ServiceProblem problem) when (problem.Status == System.Net.HttpStatusCode.BadRequest)
        {
            ModelState.AddModelError(string.Empty, problem.Describe());
        }
        return Page();
    }

    protected async Task LoadSchemaAsync(CancellationToken cancellationToken)
    {
        try
        {
            var sources = ingestion.SchemaAsync(null, cancellationToken);
            var traits = audiences.TraitNamesAsync(cancellationToken);
            var computed = audiences.ListComputedTraitsAsync(cancellationToken);
            var others = audiences.ListAsync(cancellationToken);
            await Task.WhenAll(sources, traits, computed, others);
            var tracks = sources.Result.SelectMany(source => source.Events).Where(e => e is { Type: "track", Event: not null }).ToList();
            Schema = new BuilderSchema(
                tracks.Select(e => e.Event!).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
                tracks.GroupBy(e => e.Event!, StringComparer.Ordinal).ToDictionary(group => group.Key, group => (IReadOnlyList<SchemaName>)group
                    .SelectMany(e => e.Properties).GroupBy(p => p.Name, StringComparer.Ordinal)
                    .Select(p => new SchemaName(p.Key, p.SelectMany(x => x.Types).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList()))
                    .OrderBy(p => p.Name, StringComparer.Ordinal).ToList(), StringComparer.Ordinal),
                traits.Result.Select(trait => new SchemaName(trait.Name, trait.Types)).ToList(),
                computed.Result.Select(trait => (trait.Key, trait.Name)).ToList(),
                others.Result.Where(audience => audience.Key != OwnKey).Select(audience => (audience.Key, audience.Name)).ToList());
        }
        catch (Exception exception) when (exception is ServiceProblem or HttpRequestException)
        {
            // The builder still works with names typed by hand.
            SchemaUnavailable = true;
        }
    }

    protected JsonElement? BuildCondition()
    {
        if (!string.IsNullOrWhiteSpace(ConditionJson))
        {
            try
            {
                using var document = JsonDocument.Parse(ConditionJson);
                ConditionText = ConditionJson;
                return document.RootElement.Clone();
            }
            catch (JsonException exception)
            {
                ModelState.AddModelError(string.Empty, $"The condition is not valid JSON: {exception.Message}");
                return null;
            }
        }
        if (Rows.Count == 0)
        {
            Rows.Add(new ConditionRow());
        }
        var (condition, errors) = ConditionForm.Build(Rows, Combine, GroupCombines, Schema);
        foreach (var error in errors)
        {
            ModelState.AddModelError(string.Empty, error);
        }
        ConditionText = condition is { } built ? JsonSerializer.Serialize(built, new JsonSerializerOptions { WriteIndented = true }) : null;
        return condition;
    }

    protected static string? Trimmed(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
