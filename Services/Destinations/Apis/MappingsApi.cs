using Alle.Platform.Authorization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alle.Destinations.Configuration;
using Alle.Destinations.Delivery;
using Alle.Destinations.Extensions;
using Alle.Destinations.Filtering;
using Alle.Destinations.Intake;
using Alle.Destinations.Integrations;
using Alle.Destinations.Mappings;
using Alle.Destinations.Network;
using Alle.Destinations.Syncs;
using Alle.Destinations.Validation;
using Alle.Platform.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Alle.Destinations.Apis;

/// <summary>
/// Mappings of an <c>http</c> destination (a trigger and a request template each), a test of a mapping against a sample
/// event from the live stream (or a given event) before it is saved, and the samples themselves.
/// </summary>
internal static class MappingsApi
{
    public const int MaxMappings = 50;

    public static void MapMappingsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/destinations").RequirePermission(Permissions.DestinationsWrite);
        api.MapGet("/samples", Samples).WithSummary("Sample events from the live stream, to test mappings with");
        api.MapGet("/{id:guid}/mappings", List).WithSummary("A destination's mappings");
        api.MapPost("/{id:guid}/mappings", Add).WithSummary("Add a mapping (trigger and request template)");
        api.MapPut("/{id:guid}/mappings/{mappingId:guid}", Update).WithSummary("Change a mapping");
        api.MapDelete("/{id:guid}/mappings/{mappingId:guid}", Delete).WithSummary("Delete a mapping");
        api.MapPost("/{id:guid}/mappings/test", Test).WithSummary("Test a mapping against a sample event without saving or sending");
    }

    private static Ok<DataList<JsonObject>> Samples(SampleBuffer samples, string? source = null, int limit = 10) =>
        TypedResults.Ok(new DataList<JsonObject>(samples.Latest(source is null ? [] : [source], Math.Clamp(limit, 1, SampleBuffer.PerSource))));

    private static async Task<Results<Ok<DataList<MappingResponse>>, ProblemHttpResult>> List(Guid id, CatalogStore store, CancellationToken cancellationToken) =>
        (await store.GetAsync(cancellationToken)).Find(id) is { } destination
            ? TypedResults.Ok(new DataList<MappingResponse>([.. destination.Mappings.Select(MappingResponse.From)]))
            : Problems.DestinationNotFound(id);

    private static async Task<Results<Created<MappingResponse>, ValidationProblem, ProblemHttpResult>> Add(Guid id, MappingRequest request, CatalogStore store,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        if ((await store.GetAsync(cancellationToken)).Find(id) is not { } destination)
        {
            return Problems.DestinationNotFound(id);
        }
        if (Validate(destination, request) is { } invalid)
        {
            return invalid;
        }
        if (destination.Mappings.Count >= MaxMappings)
        {
            return Problems.Conflict("too-many-mappings", "Too many mappings", $"A destination has at most {MaxMappings} mappings.");
        }
        var mappingId = await store.AddMappingAsync(id, request.Name!.Trim(), request.Enabled ?? true, request.Trigger!.Value, request.Request!.Value,
            clock.GetUtcNow(), cancellationToken);
        var mapping = (await store.GetAsync(cancellationToken)).Find(id)!.Mappings.Single(m => m.Id == mappingId);
        return TypedResults.Created($"/api/destinations/{id}/mappings/{mappingId}", MappingResponse.From(mapping));
    }

    private static async Task<Results<Ok<MappingResponse>, ValidationProblem, ProblemHttpResult>> Update(Guid id, Guid mappingId, MappingRequest request,
        CatalogStore store, TimeProvider clock, CancellationToken cancellationToken)
    {
        if ((await store.GetAsync(cancellationToken)).Find(id) is not { } destination)
        {
            return Problems.DestinationNotFound(id);
        }
        if (Validate(destination, request) is { } invalid)
        {
            return invalid;
        }
        if (!await store.UpdateMappingAsync(id, mappingId, request.Name!.Trim(), request.Enabled ?? true, request.Trigger!.Value, request.Request!.Value,
            clock.GetUtcNow(), cancellationToken))
        {
            return Problems.NotFound("Mapping", $"Destination {id} has no mapping {mappingId}.");
        }
        return TypedResults.Ok(MappingResponse.From((await store.GetAsync(cancellationToken)).Find(id)!.Mappings.Single(m => m.Id == mappingId)));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(Guid id, Guid mappingId, CatalogStore store, CancellationToken cancellationToken) =>
        await store.DeleteMappingAsync(id, mappingId, cancellationToken) ? TypedResults.NoContent() : Problems.NotFound("Mapping", $"Destination {id} has no mapping {mappingId}.");

    private static ValidationProblem? Validate(Destination destination, MappingRequest request)
    {
        var errors = new ValidationErrors();
        errors.Require(!destination.IsWebhook, "$", "Webhook destinations send every event as it is; mappings belong to http destinations.");
        errors.Require(request.Name?.Trim() is { Length: > 0 and <= 200 }, "$.name", "A name of 1 to 200 characters is required.");
        Parse(request.Trigger, request.Request, errors);
        return errors.IsEmpty ? null : Problems.Invalid(errors);
    }

    private static (Condition?, MappingTemplate?) Parse(JsonElement? trigger, JsonElement? request, ValidationErrors errors)
    {
        Condition? condition = null;
        MappingTemplate? template = null;
        if (trigger is not { ValueKind: JsonValueKind.Object } triggerJson)
        {
            errors.Add("$.trigger", "A trigger condition is required, e.g. {\"event\": \"Order Completed\"} or {\"type\": \"identify\"}.");
        }
        else
        {
            condition = ConditionParser.Parse(triggerJson, "$.trigger", errors);
        }
        if (request is not { } requestJson)
        {
            errors.Add("$.request", "A request template is required.");
        }
        else
        {
            template = MappingTemplate.Parse(requestJson, "$.request", errors);
        }
        return (condition, template);
    }

    /// <summary>
    /// Renders a mapping (saved, or as it would be saved) for a sample event — the newest one from the destination's sources
    /// that its trigger matches, or one given — and, when asked, sends the request and shows the answer. Nothing is queued.
    /// </summary>
    private static async Task<Results<Ok<MappingTestResponse>, ValidationProblem, ProblemHttpResult>> Test(Guid id, MappingTestRequest request,
        CatalogStore store, SampleBuffer samples, DestinationUrlPolicy policy, ProfilesClient profiles, DestinationHttpClient sender,
        IOptions<DestinationsOptions> options, CancellationToken cancellationToken)
    {
        if ((await store.GetAsync(cancellationToken)).Find(id) is not { } destination)
        {
            return Problems.DestinationNotFound(id);
        }
        var errors = new ValidationErrors();
        Mapping mapping;
        if (request.MappingId is { } mappingId)
        {
            if (destination.Mappings.FirstOrDefault(m => m.Id == mappingId) is not { } saved)
            {
                return Problems.NotFound("Mapping", $"Destination {id} has no mapping {mappingId}.");
            }
            mapping = saved;
        }
        else
        {
            var (condition, template) = Parse(request.Trigger, request.Request, errors);
            if (!errors.IsEmpty)
            {
                return Problems.Invalid(errors);
            }
            mapping = new Mapping(Guid.Empty, id, "test", true, request.Trigger!.Value, request.Request!.Value, condition!, template!, default, default);
        }

        JsonObject? segmentEvent;
        if (request.Event is { } given)
        {
            segmentEvent = JsonNode.Parse(given.GetRawText()) as JsonObject;
            if (segmentEvent?["type"] is null)
            {
                return Problems.Invalid("$.event", "A sample event is a Segment call: an object with a type.");
            }
        }
        else
        {
            IReadOnlyCollection<string> sources = request.Source is { } source ? [source] : destination.Sources;
            var candidates = samples.Latest(sources, SampleBuffer.PerSource);
            segmentEvent = candidates.FirstOrDefault(mapping.Trigger.Matches) ?? candidates.FirstOrDefault();
            if (segmentEvent is null)
            {
                return Problems.NotFound("Sample", "No event has arrived from the destination's sources yet: send one (the live stream shows it), or give an event.");
            }
        }

        var matched = mapping.Trigger.Matches(segmentEvent);
        try
        {
            JsonObject? traits = null;
            if (mapping.Template.UsesTraits && segmentEvent["userId"]?.GetValue<string>() is { Length: > 0 } userId)
            {
                traits = await profiles.TraitsAsync(userId, cancellationToken);
            }
            var outgoing = DeliveryLane.Render(mapping, new MappingContext(segmentEvent, traits, SyncEvents.AudienceOf(segmentEvent), destination.Id, destination.Name), policy);
            var rendered = new RenderedRequestResponse(outgoing.Method, outgoing.Url.ToString(), outgoing.Headers.ToDictionary(h => h.Name, h => h.Value),
                outgoing.Body is null ? null : Encoding.UTF8.GetString(outgoing.Body));
            SendResponse? answer = null;
            if (request.Send == true)
            {
                var result = await sender.SendAsync(outgoing, destination.Secret, destination.Definition.Delivery.Timeout, options.Value.Delivery.LoggedBodyLength, cancellationToken);
                answer = new SendResponse(result.StatusCode, result.LatencyMs, result.Body, result.Error);
            }
            return TypedResults.Ok(new MappingTestResponse(segmentEvent, matched, rendered, null, answer));
        }
        catch (Exception exception) when (exception is MappingRenderException or HttpRequestException)
        {
            return TypedResults.Ok(new MappingTestResponse(segmentEvent, matched, null, exception.Message, null));
        }
    }
}

internal sealed record MappingRequest(string? Name, bool? Enabled, JsonElement? Trigger, JsonElement? Request);

internal sealed record MappingResponse(Guid Id, string Name, bool Enabled, JsonElement Trigger, JsonElement Request, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    public static MappingResponse From(Mapping mapping) =>
        new(mapping.Id, mapping.Name, mapping.Enabled, mapping.TriggerJson, mapping.RequestJson, mapping.CreatedAt, mapping.UpdatedAt);
}

internal sealed record MappingTestRequest(Guid? MappingId, JsonElement? Trigger, JsonElement? Request, JsonElement? Event, string? Source, bool? Send);

internal sealed record RenderedRequestResponse(string Method, string Url, IReadOnlyDictionary<string, string> Headers, string? Body);

internal sealed record SendResponse(int? StatusCode, int LatencyMs, string? Body, string? Error);

internal sealed record MappingTestResponse(JsonObject Event, bool Matched, RenderedRequestResponse? Request, string? Error, SendResponse? Response);
