using System.Text.Json;
using System.Text.Json.Nodes;
using Alle.Destinations.Extensions;
using Alle.Destinations.Filtering;
using Alle.Destinations.Mappings;
using Alle.Destinations.Network;
using Alle.Destinations.Validation;

namespace Alle.Destinations.Configuration;

internal static class DestinationTypes
{
    /// <summary>Every event is posted as Segment's Webhooks destination posts it, signed, optionally in batches.</summary>
    public const string Webhook = "webhook";

    /// <summary>Events become requests through mappings (trigger + Liquid request template), as Segment's Actions destinations.</summary>
    public const string Http = "http";
}

/// <summary>A destination's settings as requested (API shape); <see cref="DestinationDefinition.Parse"/> validates them.</summary>
internal sealed record DestinationRequest(
    string? Name,
    string? Type,
    bool? Enabled,
    JsonElement? Settings,
    string[]? ConsentCategories,
    JsonElement? Filters,
    DeliveryRequest? Delivery,
    string? Secret);

internal sealed record DeliveryRequest(bool? Ordered, int? Concurrency, int? RateLimitPerSecond, int? RetryWindowSeconds, int? TimeoutMs);

/// <summary>Webhook settings: the URL, extra headers, and batching (up to <see cref="BatchSize"/> events or <see cref="BatchWait"/>).</summary>
internal sealed record WebhookSettings(Uri Url, IReadOnlyDictionary<string, string> Headers, int BatchSize, TimeSpan BatchWait)
{
    public const int MaxBatchSize = 500;

    public bool Batched => BatchSize > 1;

    public JsonObject ToJson() => new()
    {
        ["url"] = Url.ToString(),
        ["headers"] = new JsonObject(Headers.Select(h => KeyValuePair.Create(h.Key, (JsonNode?)h.Value))),
        ["batchSize"] = BatchSize,
        ["batchWaitMs"] = (int)BatchWait.TotalMilliseconds,
    };

    public static WebhookSettings? Parse(JsonElement? json, string path, DestinationUrlPolicy policy, ValidationErrors errors)
    {
        if (json is not { ValueKind: JsonValueKind.Object } settings)
        {
            errors.Add(path, "A webhook needs settings: {\"url\": \"https://…\", \"headers\": {…}, \"batchSize\": 1, \"batchWaitMs\": 0}.");
            return null;
        }
        errors.OnlyMembers(settings, path, "url", "headers", "batchSize", "batchWaitMs");
        var url = settings.TryGetProperty("url", out var urlJson) && urlJson.ValueKind == JsonValueKind.String ? urlJson.GetString() : null;
        if (policy.Check(url, out var parsed) is { } problem)
        {
            errors.Add(ValidationErrors.Member(path, "url"), problem);
        }
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (settings.TryGetProperty("headers", out var headersJson) && headersJson.ValueKind != JsonValueKind.Null)
        {
            if (headersJson.ValueKind != JsonValueKind.Object)
            {
                errors.Add(ValidationErrors.Member(path, "headers"), "Headers are an object of names and string values.");
            }
            else
            {
                foreach (var header in headersJson.EnumerateObject())
                {
                    var ok = header.Value.ValueKind == JsonValueKind.String && header.Value.GetString()!.Length <= 4000 && !header.Value.GetString()!.Any(char.IsControl)
                        && !MappingTemplate.ReservedHeaders.Contains(header.Name) && header.Name.Length is > 0 and <= 100
                        && header.Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
                    if (ok)
                    {
                        headers[header.Name] = header.Value.GetString()!;
                    }
                    else
                    {
                        errors.Add(ValidationErrors.Member(ValidationErrors.Member(path, "headers"), header.Name), "Not a header (or a value) a destination may set.");
                    }
                }
            }
        }
        var batchSize = Integer(settings, "batchSize", 1);
        errors.Require(batchSize is >= 1 and <= MaxBatchSize, ValidationErrors.Member(path, "batchSize"), $"Between 1 (no batching) and {MaxBatchSize} events per request.");
        var batchWait = Integer(settings, "batchWaitMs", 0);
        errors.Require(batchWait is >= 0 and <= 60_000, ValidationErrors.Member(path, "batchWaitMs"), "Between 0 and 60,000 ms.");
        return parsed is null || !errors.IsEmpty ? null : new WebhookSettings(parsed, headers, batchSize ?? 1, TimeSpan.FromMilliseconds(batchWait ?? 0));
    }

    private static int? Integer(JsonElement json, string name, int fallback) =>
        !json.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null ? fallback
        : value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : null;
}

/// <summary>How a destination is delivered to (defaults from <see cref="DeliveryOptions"/>).</summary>
internal sealed record DeliverySettings(bool Ordered, int Concurrency, int? RateLimitPerSecond, TimeSpan RetryWindow, TimeSpan Timeout)
{
    public const int MaxConcurrency = 64;

    public static DeliverySettings? Parse(DeliveryRequest? request, DeliveryOptions defaults, ValidationErrors errors)
    {
        const string path = "$.delivery";
        var concurrency = request?.Concurrency ?? defaults.DefaultConcurrency;
        errors.Require(concurrency is >= 1 and <= MaxConcurrency, ValidationErrors.Member(path, "concurrency"), $"Between 1 and {MaxConcurrency} requests at once.");
        errors.Require(request?.RateLimitPerSecond is null or (>= 1 and <= 100_000), ValidationErrors.Member(path, "rateLimitPerSecond"), "Between 1 and 100,000 requests per second, or none.");
        var window = request?.RetryWindowSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : defaults.DefaultRetryWindow;
        errors.Require(window >= TimeSpan.Zero && window <= DeliveryOptions.MaxRetryWindow, ValidationErrors.Member(path, "retryWindowSeconds"), "Between 0 and 259,200 seconds (72 hours).");
        var timeout = request?.TimeoutMs is { } ms ? TimeSpan.FromMilliseconds(ms) : defaults.DefaultTimeout;
        errors.Require(timeout >= TimeSpan.FromMilliseconds(100) && timeout <= TimeSpan.FromMinutes(2), ValidationErrors.Member(path, "timeoutMs"), "Between 100 and 120,000 ms.");
        return errors.IsEmpty ? new DeliverySettings(request?.Ordered ?? false, concurrency, request?.RateLimitPerSecond, window, timeout) : null;
    }
}

/// <summary>A destination's validated settings, as stored.</summary>
internal sealed record DestinationDefinition(
    string Name,
    string Type,
    bool Enabled,
    WebhookSettings? Webhook,
    IReadOnlyList<string> ConsentCategories,
    JsonElement FiltersJson,
    DeliverySettings Delivery)
{
    public const int MaxConsentCategories = 20;

    public static DestinationDefinition? Parse(DestinationRequest request, DestinationUrlPolicy policy, DeliveryOptions defaults, ValidationErrors errors)
    {
        var name = request.Name?.Trim();
        errors.Require(!string.IsNullOrEmpty(name) && name.Length <= 200, "$.name", "A name of 1 to 200 characters is required.");
        var type = request.Type?.Trim().ToLowerInvariant();
        errors.Require(type is DestinationTypes.Webhook or DestinationTypes.Http, "$.type", "The type is webhook or http.");
        var webhook = type == DestinationTypes.Webhook ? WebhookSettings.Parse(request.Settings, "$.settings", policy, errors) : null;
        errors.Require(type != DestinationTypes.Http || request.Settings is null or { ValueKind: JsonValueKind.Null } || request.Settings is { ValueKind: JsonValueKind.Object } empty
            && !empty.EnumerateObject().Any(), "$.settings", "An http destination sends what its mappings say: it has no settings.");

        var categories = (request.ConsentCategories ?? []).Select(c => c?.Trim() ?? "").Distinct(StringComparer.Ordinal).ToList();
        errors.Require(categories.Count <= MaxConsentCategories && categories.All(c => c.Length is > 0 and <= 100),
            "$.consentCategories", $"At most {MaxConsentCategories} category names of 1 to 100 characters.");

        var filtersJson = request.Filters is { ValueKind: not JsonValueKind.Null } filters ? filters.Clone() : JsonDocument.Parse("[]").RootElement.Clone();
        DestinationFilters.Parse(filtersJson, "$.filters", errors);
        var delivery = DeliverySettings.Parse(request.Delivery, defaults, errors);

        if (request.Secret is { } secret)
        {
            errors.Require(secret.Length is >= 16 and <= 200, "$.secret", "A secret of 16 to 200 characters (or none, to have one generated).");
        }
        return errors.IsEmpty
            ? new DestinationDefinition(name!, type!, request.Enabled ?? true, webhook, categories, filtersJson, delivery!)
            : null;
    }
}
