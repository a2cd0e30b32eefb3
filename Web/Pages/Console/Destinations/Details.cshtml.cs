using System.Text.Json;
using Alle.Web.Services;
using Alle.Web.Services.Audiences;
using Alle.Web.Services.Destinations;
using Alle.Web.Services.Ingestion;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console.Destinations;

/// <summary>
/// One destination: settings, filters and consent, enable/disable, the secret, its sources, mappings (with a test against
/// a sample event from the live stream), audience and trait syncs, the delivery chart and log, and the dead letters.
/// </summary>
public sealed class DetailsModel(DestinationsAdminService destinations, IngestionAdminService ingestion, AudiencesAdminService audiences) : PageModel
{
    public Destination Destination { get; private set; } = null!;

    public Stats Stats { get; private set; } = null!;

    public IReadOnlyList<DeliveryAttempt> Log { get; private set; } = [];

    public IReadOnlyList<DeadLetter> DeadLetters { get; private set; } = [];

    public IReadOnlyList<Sync> Syncs { get; private set; } = [];

    public IReadOnlyList<string> UnconnectedSources { get; private set; } = [];

    public IReadOnlyList<string> AudienceKeys { get; private set; } = [];

    public IReadOnlyList<string> TraitKeys { get; private set; } = [];

    public string? NewSecret { get; private set; }

    public MappingTest? TestResult { get; private set; }

    [BindProperty]
    public SettingsInput Settings { get; set; } = new();

    [BindProperty]
    public MappingInput Mapping { get; set; } = new();

    public async Task<IActionResult> OnGetAsync(Guid id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }
        Settings = SettingsInput.From(Destination);
        return Page();
    }

    public async Task<IActionResult> OnPostToggleAsync(Guid id, bool enabled, CancellationToken cancellationToken)
    {
        await destinations.SetEnabledAsync(id, enabled, cancellationToken);
        TempData["Notice"] = enabled ? "Destination enabled." : "Destination disabled: new events are not queued and nothing is sent until it is enabled again.";
        return RedirectToPage(new { id });
    }

    public async Task<IActionResult> OnPostRotateAsync(Guid id, CancellationToken cancellationToken)
    {
        NewSecret = await destinations.RotateSecretAsync(id, cancellationToken);
        return await ShowAsync(id, cancellationToken);
    }

    public async Task<IActionResult> OnPostSettingsAsync(Guid id, CancellationToken cancellationToken)
    {
        return await TryAsync(id, async () =>
        {
            await destinations.UpdateAsync(id, Settings.ToRequest(Destination.Type), cancellationToken);
            TempData["Notice"] = "Settings saved.";
        }, keepSettings: true, cancellationToken);
    }

    public Task<IActionResult> OnPostConnectAsync(Guid id, string source, CancellationToken cancellationToken) =>
        TryAsync(id, () => destinations.ConnectAsync(id, source, cancellationToken), keepSettings: false, cancellationToken);

    public Task<IActionResult> OnPostDisconnectAsync(Guid id, string source, CancellationToken cancellationToken) =>
        TryAsync(id, () => destinations.DisconnectAsync(id, source, cancellationToken), keepSettings: false, cancellationToken);

    public async Task<IActionResult> OnPostTestMappingAsync(Guid id, bool send, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }
        Settings = SettingsInput.From(Destination);
        if (Mapping.Parse(ModelState) is { } parsed)
        {
            try
            {
                TestResult = await destinations.TestMappingAsync(id, parsed.Trigger, parsed.Request, send, cancellationToken);
            }
            catch (ServiceProblem problem) when ((int)problem.Status is 400 or 404)
            {
                ModelState.AddModelError(string.Empty, problem.Describe());
            }
        }
        return Page();
    }

    public async Task<IActionResult> OnPostAddMappingAsync(Guid id, CancellationToken cancellationToken)
    {
        if (Mapping.Parse(ModelState) is not { } parsed)
        {
            return await ShowAsync(id, cancellationToken);
        }
        return await TryAsync(id, async () =>
        {
            await destinations.AddMappingAsync(id, Mapping.Name ?? "", parsed.Trigger, parsed.Request, cancellationToken);
            TempData["Notice"] = "Mapping saved.";
        }, keepSettings: false, cancellationToken);
    }

    public Task<IActionResult> OnPostDeleteMappingAsync(Guid id, Guid mappingId, CancellationToken cancellationToken) =>
        TryAsync(id, () => destinations.DeleteMappingAsync(id, mappingId, cancellationToken), keepSettings: false, cancellationToken);

    /// <param name="target"><c>audience:&lt;key&gt;</c> or <c>trait:&lt;key&gt;</c>.</param>
    public Task<IActionResult> OnPostAddSyncAsync(Guid id, string target, bool identify, bool track, CancellationToken cancellationToken)
    {
        var (kind, key) = target.Split(':', 2) is [var k, var v] ? (k, v) : ("audience", target);
        return TryAsync(id, () => destinations.AddSyncAsync(id, kind == "audience" ? key : null, kind == "audience" ? null : key, identify, track && kind == "audience",
            cancellationToken), keepSettings: false, cancellationToken);
    }

    public Task<IActionResult> OnPostDeleteSyncAsync(Guid id, Guid syncId, CancellationToken cancellationToken) =>
        TryAsync(id, () => destinations.DeleteSyncAsync(id, syncId, cancellationToken), keepSettings: false, cancellationToken);

    public async Task<IActionResult> OnPostReplayAsync(Guid id, long? deadLetterId, CancellationToken cancellationToken)
    {
        var replayed = await destinations.ReplayAsync(id, deadLetterId is { } one ? [one] : null, cancellationToken);
        TempData["Notice"] = $"{replayed} dead {(replayed == 1 ? "letter" : "letters")} queued again.";
        return RedirectToPage(new { id });
    }

    /// <summary>Runs a change; a refusal is shown on the page with what was typed, a success reloads it.</summary>
    private async Task<IActionResult> TryAsync(Guid id, Func<Task> change, bool keepSettings, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }
        try
        {
            await change();
            return RedirectToPage(new { id });
        }
        catch (ServiceProblem problem) when ((int)problem.Status is 400 or 404 or 409 or 503)
        {
            ModelState.AddModelError(string.Empty, problem.Describe());
            if (!keepSettings)
            {
                Settings = SettingsInput.From(Destination);
            }
            return Page();
        }
    }

    private async Task<IActionResult> ShowAsync(Guid id, CancellationToken cancellationToken)
    {
        if (!await LoadAsync(id, cancellationToken))
        {
            return NotFound();
        }
        Settings = SettingsInput.From(Destination);
        return Page();
    }

    private async Task<bool> LoadAsync(Guid id, CancellationToken cancellationToken)
    {
        if (await destinations.GetAsync(id, cancellationToken) is not { } destination)
        {
            return false;
        }
        Destination = destination;
        var stats = destinations.StatsAsync(id, 24, cancellationToken);
        var log = destinations.LogAsync(id, 50, cancellationToken);
        var deadLetters = destinations.DeadLettersAsync(id, 50, cancellationToken);
        var syncs = destinations.SyncsAsync(id, cancellationToken);
        var sources = ingestion.ListSourcesAsync(cancellationToken);
        var audienceList = audiences.ListAsync(cancellationToken);
        var traits = audiences.ListComputedTraitsAsync(cancellationToken);
        await Task.WhenAll(stats, log, deadLetters, syncs, sources, audienceList, traits);
        (Stats, Log, DeadLetters, Syncs) = (stats.Result, log.Result, deadLetters.Result, syncs.Result);
        UnconnectedSources = [.. sources.Result.Select(s => s.Id).Where(s => !destination.Sources.Contains(s))];
        AudienceKeys = [.. audienceList.Result.Select(a => a.Key)];
        TraitKeys = [.. traits.Result.Select(t => t.Key)];
        return true;
    }
}

/// <summary>The settings form: plain fields for the common settings, JSON for headers and filters.</summary>
public sealed class SettingsInput
{
    public string? Name { get; set; }

    public string? Url { get; set; }

    public string? Headers { get; set; }

    public int BatchSize { get; set; } = 1;

    public int BatchWaitMs { get; set; }

    public string? ConsentCategories { get; set; }

    public string? Filters { get; set; }

    public bool Ordered { get; set; }

    public int Concurrency { get; set; } = 8;

    public int? RateLimitPerSecond { get; set; }

    public int RetryWindowSeconds { get; set; } = 14_400;

    public int TimeoutMs { get; set; } = 10_000;

    public static SettingsInput From(Destination destination) => new()
    {
        Name = destination.Name,
        Url = destination.Settings.TryGetProperty("url", out var url) ? url.GetString() : null,
        Headers = destination.Settings.TryGetProperty("headers", out var headers) ? headers.GetRawText() : "{}",
        BatchSize = destination.Settings.TryGetProperty("batchSize", out var size) ? size.GetInt32() : 1,
        BatchWaitMs = destination.Settings.TryGetProperty("batchWaitMs", out var wait) ? wait.GetInt32() : 0,
        ConsentCategories = string.Join(", ", destination.ConsentCategories),
        Filters = JsonSerializer.Serialize(destination.Filters, DestinationForm.Indented),
        Ordered = destination.Delivery.Ordered,
        Concurrency = destination.Delivery.Concurrency,
        RateLimitPerSecond = destination.Delivery.RateLimitPerSecond,
        RetryWindowSeconds = destination.Delivery.RetryWindowSeconds,
        TimeoutMs = destination.Delivery.TimeoutMs,
    };

    public object ToRequest(string type) => new
    {
        name = Name,
        type,
        settings = type == "webhook"
            ? new { url = Url, headers = DestinationForm.Json(Headers, "{}"), batchSize = BatchSize, batchWaitMs = BatchWaitMs }
            : null,
        consentCategories = DestinationForm.Categories(ConsentCategories),
        filters = DestinationForm.Json(Filters, "[]"),
        delivery = new { ordered = Ordered, concurrency = Concurrency, rateLimitPerSecond = RateLimitPerSecond, retryWindowSeconds = RetryWindowSeconds, timeoutMs = TimeoutMs },
    };
}

/// <summary>A mapping as typed: its name, trigger and request template as JSON.</summary>
public sealed class MappingInput
{
    public string? Name { get; set; }

    public string? Trigger { get; set; } = """{"type": "track"}""";

    public string? Request { get; set; } = """
        {
          "method": "POST",
          "url": "https://api.example.com/events",
          "headers": {"Authorization": "Bearer …"},
          "body": {"user": "{{ event.userId }}", "event": "{{ event.event }}"}
        }
        """;

    /// <summary>The trigger and request as JSON, or null with the mistakes added to the form's state.</summary>
    public (JsonElement Trigger, JsonElement Request)? Parse(Microsoft.AspNetCore.Mvc.ModelBinding.ModelStateDictionary state)
    {
        JsonElement? trigger = null, request = null;
        try
        {
            trigger = JsonDocument.Parse(Trigger ?? "").RootElement;
        }
        catch (JsonException)
        {
            state.AddModelError("Mapping.Trigger", "The trigger is not valid JSON.");
        }
        try
        {
            request = JsonDocument.Parse(Request ?? "").RootElement;
        }
        catch (JsonException)
        {
            state.AddModelError("Mapping.Request", "The request template is not valid JSON.");
        }
        return trigger is { } t && request is { } r ? (t, r) : null;
    }
}

public static class DestinationForm
{
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string[] Categories(string? text) =>
        [.. (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    /// <summary>The typed JSON, or the text itself (so the service names the mistake) when it does not parse.</summary>
    public static object Json(string? text, string empty)
    {
        try
        {
            return JsonDocument.Parse(string.IsNullOrWhiteSpace(text) ? empty : text).RootElement;
        }
        catch (JsonException)
        {
            return text!;
        }
    }
}
