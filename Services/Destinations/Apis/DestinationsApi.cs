using Alle.Platform.Authorization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alle.Destinations.Configuration;
using Alle.Destinations.Extensions;
using Alle.Destinations.Integrations;
using Alle.Destinations.Network;
using Alle.Destinations.Validation;
using Alle.Platform.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Alle.Destinations.Apis;

/// <summary>Destinations: create and configure (settings validated per type), enable and disable, rotate the secret, connect sources.</summary>
internal static class DestinationsApi
{
    public static void MapDestinationsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/destinations").RequirePermission(Permissions.DestinationsWrite);
        api.MapGet("/", List).WithSummary("List destinations");
        api.MapPost("/", Create).WithSummary("Create a destination (its secret is shown once)");
        api.MapGet("/{id:guid}", Get).WithSummary("One destination with its sources, mappings and syncs");
        api.MapPut("/{id:guid}", Update).WithSummary("Change a destination's name, settings and filters");
        api.MapDelete("/{id:guid}", Delete).WithSummary("Delete a destination");
        api.MapPost("/{id:guid}/enable", (Guid id, CatalogStore store, TimeProvider clock, CancellationToken cancellationToken) => SetEnabled(id, true, store, clock, cancellationToken))
            .WithSummary("Enable a destination").WithTags("Destinations");
        api.MapPost("/{id:guid}/disable", (Guid id, CatalogStore store, TimeProvider clock, CancellationToken cancellationToken) => SetEnabled(id, false, store, clock, cancellationToken))
            .WithSummary("Disable a destination (nothing is sent to it while disabled)").WithTags("Destinations");
        api.MapPost("/{id:guid}/rotate-secret", RotateSecret).WithSummary("Rotate a destination's signing secret");
        api.MapPut("/{id:guid}/sources/{sourceId}", Connect).WithSummary("Connect a source to a destination");
        api.MapDelete("/{id:guid}/sources/{sourceId}", Disconnect).WithSummary("Disconnect a source from a destination");
    }

    private static async Task<Ok<DataList<DestinationResponse>>> List(CatalogStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(new DataList<DestinationResponse>([.. (await store.GetAsync(cancellationToken)).All.Select(DestinationResponse.From)]));

    private static async Task<Results<Ok<DestinationResponse>, ProblemHttpResult>> Get(Guid id, CatalogStore store, CancellationToken cancellationToken) =>
        (await store.GetAsync(cancellationToken)).Find(id) is { } destination ? TypedResults.Ok(DestinationResponse.From(destination)) : Problems.DestinationNotFound(id);

    private static async Task<Results<Created<DestinationCreated>, ValidationProblem>> Create(DestinationRequest request, CatalogStore store,
        DestinationUrlPolicy policy, IOptions<DestinationsOptions> options, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        if (DestinationDefinition.Parse(request, policy, options.Value.Delivery, errors) is not { } definition)
        {
            return Problems.Invalid(errors);
        }
        var secret = request.Secret ?? CatalogStore.NewSecret();
        var id = await store.CreateAsync(definition, secret, clock.GetUtcNow(), cancellationToken);
        var created = (await store.GetAsync(cancellationToken)).Find(id)!;
        return TypedResults.Created($"/api/destinations/{id}", new DestinationCreated(DestinationResponse.From(created), secret));
    }

    private static async Task<Results<Ok<DestinationResponse>, ValidationProblem, ProblemHttpResult>> Update(Guid id, DestinationRequest request,
        CatalogStore store, DestinationUrlPolicy policy, IOptions<DestinationsOptions> options, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new ValidationErrors();
        errors.Require(request.Secret is null, "$.secret", "The secret is changed with POST …/rotate-secret.");
        if (DestinationDefinition.Parse(request with { Secret = null }, policy, options.Value.Delivery, errors) is not { } definition || !errors.IsEmpty)
        {
            return Problems.Invalid(errors);
        }
        var existing = (await store.GetAsync(cancellationToken)).Find(id);
        if (existing is null)
        {
            return Problems.DestinationNotFound(id);
        }
        if (existing.Definition.Type != definition.Type)
        {
            return Problems.Invalid("$.type", "A destination keeps its type; create another one instead.");
        }
        await store.UpdateAsync(id, definition, clock.GetUtcNow(), cancellationToken);
        return TypedResults.Ok(DestinationResponse.From((await store.GetAsync(cancellationToken)).Find(id)!));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(Guid id, CatalogStore store, CancellationToken cancellationToken) =>
        await store.DeleteAsync(id, cancellationToken) ? TypedResults.NoContent() : Problems.DestinationNotFound(id);

    private static async Task<Results<Ok<DestinationResponse>, ProblemHttpResult>> SetEnabled(Guid id, bool enabled, CatalogStore store, TimeProvider clock,
        CancellationToken cancellationToken) =>
        await store.SetEnabledAsync(id, enabled, clock.GetUtcNow(), cancellationToken)
            ? TypedResults.Ok(DestinationResponse.From((await store.GetAsync(cancellationToken)).Find(id)!))
            : Problems.DestinationNotFound(id);

    /// <summary>A new secret, shown this once; requests are signed with it from now on.</summary>
    private static async Task<Results<Ok<SecretResponse>, ProblemHttpResult>> RotateSecret(Guid id, CatalogStore store, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var secret = CatalogStore.NewSecret();
        return await store.SetSecretAsync(id, secret, clock.GetUtcNow(), cancellationToken) ? TypedResults.Ok(new SecretResponse(secret)) : Problems.DestinationNotFound(id);
    }

    private static async Task<Results<Ok<DestinationResponse>, ValidationProblem, ProblemHttpResult>> Connect(Guid id, string sourceId, CatalogStore store,
        IngestionClient ingestion, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!IsSourceId(sourceId))
        {
            return Problems.Invalid("sourceId", "A source id is 2 to 63 lower-case letters, digits or dashes, starting with a letter.");
        }
        if ((await store.GetAsync(cancellationToken)).Find(id) is null)
        {
            return Problems.DestinationNotFound(id);
        }
        try
        {
            if (!await ingestion.SourceExistsAsync(sourceId, cancellationToken))
            {
                return Problems.NotFound("Source", $"Ingestion has no source {sourceId}: create it first.");
            }
        }
        catch (HttpRequestException exception)
        {
            return TypedResults.Problem(statusCode: 503, title: "Ingestion unavailable", detail: $"The source could not be checked: {exception.Message}");
        }
        await store.ConnectAsync(id, sourceId, clock.GetUtcNow(), cancellationToken);
        return TypedResults.Ok(DestinationResponse.From((await store.GetAsync(cancellationToken)).Find(id)!));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Disconnect(Guid id, string sourceId, CatalogStore store, CancellationToken cancellationToken) =>
        IsSourceId(sourceId) && await store.DisconnectAsync(id, sourceId, cancellationToken)
            ? TypedResults.NoContent()
            : Problems.NotFound("Connection", $"Destination {id} is not connected to that source.");

    private static bool IsSourceId(string id) =>
        id.Length is >= 2 and <= 63 && char.IsAsciiLetterLower(id[0]) && id.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');
}

internal sealed record DataList<T>(IReadOnlyList<T> Data);

internal sealed record SecretResponse(string Secret);

internal sealed record DestinationCreated(DestinationResponse Destination, string Secret);

internal sealed record DeliveryResponse(bool Ordered, int Concurrency, int? RateLimitPerSecond, int RetryWindowSeconds, int TimeoutMs);

internal sealed record DestinationResponse(
    Guid Id,
    string Name,
    string Type,
    bool Enabled,
    JsonObject Settings,
    string SecretHint,
    IReadOnlyList<string> ConsentCategories,
    JsonElement Filters,
    DeliveryResponse Delivery,
    IReadOnlyList<string> Sources,
    IReadOnlyList<MappingResponse> Mappings,
    IReadOnlyList<SyncSummary> Syncs,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public static DestinationResponse From(Destination destination)
    {
        var delivery = destination.Definition.Delivery;
        return new DestinationResponse(destination.Id, destination.Name, destination.Definition.Type, destination.Enabled,
            destination.Definition.Webhook?.ToJson() ?? [], destination.SecretHint, destination.Definition.ConsentCategories, destination.Definition.FiltersJson,
            new DeliveryResponse(delivery.Ordered, delivery.Concurrency, delivery.RateLimitPerSecond, (int)delivery.RetryWindow.TotalSeconds,
                (int)delivery.Timeout.TotalMilliseconds),
            [.. destination.Sources.Order(StringComparer.Ordinal)], [.. destination.Mappings.Select(MappingResponse.From)],
            [.. destination.Syncs.Select(s => new SyncSummary(s.Id, s.Kind, s.Key, s.Name, s.SendIdentify, s.SendTrack))], destination.CreatedAt, destination.UpdatedAt);
    }
}

internal sealed record SyncSummary(Guid Id, string Kind, string Key, string Name, bool SendIdentify, bool SendTrack);
