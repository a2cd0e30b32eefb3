using Alle.Platform.Authorization;
using Alle.Messaging.Journeys;
using Alle.Platform.Authentication;
using Alle.Platform.Workers;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Alle.Messaging.Apis;

/// <summary>Journeys for the console (admin key): create, list, read with counts, pause and resume.</summary>
internal static class JourneysApi
{
    public static void MapJourneysApi(this IEndpointRouteBuilder app)
    {
        var journeys = app.MapGroup("/api/messaging/journeys").RequirePermission(Permissions.JourneysWrite);
        journeys.MapPost("/", Create);
        journeys.MapGet("/", List);
        journeys.MapGet("/{id:guid}", Get);
        journeys.MapPost("/{id:guid}/pause", (Guid id, JourneyStore store, CancellationToken cancellationToken) => SetStatus(id, JourneyStatus.Paused, store, cancellationToken));
        journeys.MapPost("/{id:guid}/resume", (Guid id, JourneyStore store, WorkSignal<JourneyRunner> signal, CancellationToken cancellationToken) =>
        {
            signal.Notify();
            return SetStatus(id, JourneyStatus.Active, store, cancellationToken);
        });
    }

    private static async Task<Results<Created<JourneyView>, ValidationProblem>> Create(JourneyDefinition? definition, JourneyStore store,
        CancellationToken cancellationToken)
    {
        if (definition is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["A journey definition is required."] });
        }
        var errors = definition.Validate();
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var journey = await store.CreateAsync(definition, cancellationToken);
        return TypedResults.Created($"/api/messaging/journeys/{journey.Id}", JourneyView.From(journey, null));
    }

    private static async Task<Ok<JourneyList>> List(JourneyStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(new JourneyList([.. (await store.ListAsync(cancellationToken)).Select(j => JourneyView.From(j, null))]));

    private static async Task<Results<Ok<JourneyView>, ProblemHttpResult>> Get(Guid id, JourneyStore store, CancellationToken cancellationToken) =>
        await store.GetAsync(id, cancellationToken) is { } journey
            ? TypedResults.Ok(JourneyView.From(journey, await store.CountAsync(id, cancellationToken)))
            : NotFound();

    private static async Task<Results<Ok<JourneyView>, ProblemHttpResult>> SetStatus(Guid id, string status, JourneyStore store, CancellationToken cancellationToken) =>
        await store.SetStatusAsync(id, status, cancellationToken) is { } journey
            ? TypedResults.Ok(JourneyView.From(journey, await store.CountAsync(id, cancellationToken)))
            : NotFound();

    private static ProblemHttpResult NotFound() => TypedResults.Problem(statusCode: 404, title: "Journey not found");

    internal sealed record JourneyList(IReadOnlyList<JourneyView> Data);

    internal sealed record JourneyView(Guid Id, string Name, string Status, JourneyDefinition Definition, JourneyCounts? Counts, DateTimeOffset CreatedAt,
        DateTimeOffset UpdatedAt)
    {
        public static JourneyView From(Journey journey, JourneyCounts? counts) =>
            new(journey.Id, journey.Definition.Name, journey.Status, journey.Definition, counts, journey.CreatedAt, journey.UpdatedAt);
    }
}
