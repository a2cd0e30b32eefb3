using Alle.Platform.Authorization;
using System.Text.Json;
using Alle.Messaging.Integrations;
using Alle.Messaging.Journeys;
using Alle.Messaging.Sending;
using Alle.Platform.Authentication;
using Alle.Platform.Identifiers;
using Alle.Platform.Workers;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace Alle.Messaging.Apis;

/// <summary>
/// Journeys for the console (admin key): create (a graph of steps, or today's single-step form), edit (a new version;
/// members inside finish on theirs), read with counts per step, path and arm, explain a person's entries, pause,
/// resume, archive, and send a test of a text to a phone.
/// </summary>
internal static class JourneysApi
{
    public static void MapJourneysApi(this IEndpointRouteBuilder app)
    {
        var journeys = app.MapGroup("/api/messaging/journeys").RequirePermission(Permissions.JourneysWrite);
        journeys.MapPost("/", Create).WithSummary("Create a journey (a graph of steps, validated step by step)");
        journeys.MapGet("/", List).WithSummary("List journeys with their counts");
        journeys.MapGet("/{id:guid}", Get).WithSummary("One journey: its versions, steps with counts, conversion per path and lift against the holdout");
        journeys.MapPut("/{id:guid}", Revise).WithSummary("Edit a journey: saves a new version (members inside finish on theirs)");
        journeys.MapGet("/{id:guid}/entries", Entries).WithSummary("A journey's entries, each with the steps she took and why");
        journeys.MapPost("/{id:guid}/pause", (Guid id, [AsParameters] JourneyServices services, CancellationToken cancellationToken) =>
            SetStatus(id, JourneyStatus.Paused, services, cancellationToken))
            .WithSummary("Pause a journey (entries wait where they are)").WithTags("Journeys");
        journeys.MapPost("/{id:guid}/resume", (Guid id, [AsParameters] JourneyServices services, CancellationToken cancellationToken) =>
            SetStatus(id, JourneyStatus.Active, services, cancellationToken))
            .WithSummary("Resume a paused journey").WithTags("Journeys");
        journeys.MapPost("/{id:guid}/archive", (Guid id, [AsParameters] JourneyServices services, CancellationToken cancellationToken) =>
            SetStatus(id, JourneyStatus.Archived, services, cancellationToken))
            .WithSummary("Archive a journey: no new entries, and the entries inside exit").WithTags("Journeys");
        journeys.MapPost("/test-send", TestSend).WithSummary("Send a template to a sandbox phone as a test");
    }

    internal sealed record JourneyServices(JourneyStore Store, JourneyReports Reports, AudiencesClient Audiences, WorkSignal<JourneyRunner> Runner,
        WorkSignal<JourneyEnrolment> Enrolment);

    private static async Task<Results<Created<JourneyView>, ValidationProblem, ProblemHttpResult>> Create(JourneyRequest? request,
        [AsParameters] JourneyServices services, CancellationToken cancellationToken)
    {
        var (definition, invalid, unavailable) = await ReadAsync(request, services.Audiences, cancellationToken);
        if (invalid is not null)
        {
            return invalid;
        }
        if (unavailable is not null)
        {
            return unavailable;
        }
        if (request!.Status is not (null or JourneyStatus.Active or JourneyStatus.Paused))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["status"] = ["active (the default) or paused."] });
        }
        var journey = await services.Store.CreateAsync(definition!, request.Status ?? JourneyStatus.Active, cancellationToken);
        services.Enrolment.Notify();
        return TypedResults.Created($"/api/messaging/journeys/{journey.Id}", JourneyView.From(journey, null, null));
    }

    private static async Task<Results<Ok<JourneyView>, ValidationProblem, ProblemHttpResult>> Revise(Guid id, JourneyRequest? request,
        [AsParameters] JourneyServices services, CancellationToken cancellationToken)
    {
        var (definition, invalid, unavailable) = await ReadAsync(request, services.Audiences, cancellationToken);
        if (invalid is not null)
        {
            return invalid;
        }
        if (unavailable is not null)
        {
            return unavailable;
        }
        return await services.Store.ReviseAsync(id, definition!, cancellationToken) switch
        {
            null => NotFound(),
            { Status: JourneyStatus.Archived } => TypedResults.Problem(statusCode: 409, title: "Journey archived",
                detail: "An archived journey cannot be edited; create a new one.", type: "urn:alle:messaging:journey-archived"),
            var revised => TypedResults.Ok(await ViewAsync(revised, services, cancellationToken)),
        };
    }

    private static async Task<Ok<JourneyList>> List(JourneyStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(new JourneyList([.. (await store.ListAsync(cancellationToken)).Select(j => JourneyView.From(j, null, null))]));

    private static async Task<Results<Ok<JourneyView>, ProblemHttpResult>> Get(Guid id, [AsParameters] JourneyServices services, CancellationToken cancellationToken) =>
        await services.Store.GetAsync(id, cancellationToken) is { } journey
            ? TypedResults.Ok(await ViewAsync(journey, services, cancellationToken))
            : NotFound();

    private static async Task<Results<Ok<EntryList>, ValidationProblem, ProblemHttpResult>> Entries(Guid id, JourneyStore store, JourneyReports reports,
        CancellationToken cancellationToken, string? userId = null, Guid? profileId = null, int limit = 50)
    {
        if (limit is < 1 or > 500 || userId?.Length > 200)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = ["limit is 1 to 500; a user id at most 200 characters."] });
        }
        if (await store.GetAsync(id, cancellationToken) is null)
        {
            return NotFound();
        }
        return TypedResults.Ok(new EntryList(await reports.ExplainAsync(id, userId, profileId, limit, cancellationToken)));
    }

    private static async Task<Results<Ok<JourneyView>, ProblemHttpResult>> SetStatus(Guid id, string status, JourneyServices services, CancellationToken cancellationToken)
    {
        if (await services.Store.GetAsync(id, cancellationToken) is not { } current)
        {
            return NotFound();
        }
        if (current.Status == JourneyStatus.Archived && status != JourneyStatus.Archived)
        {
            return TypedResults.Problem(statusCode: 409, title: "Journey archived", detail: "An archived journey stays archived.", type: "urn:alle:messaging:journey-archived");
        }
        var journey = (await services.Store.SetStatusAsync(id, status, cancellationToken))!;
        services.Runner.Notify();
        services.Enrolment.Notify();
        return TypedResults.Ok(await ViewAsync(journey, services, cancellationToken));
    }

    /// <summary>Texts a template rendered for the sample member to a phone (a transactional test, marked as such in the log).</summary>
    private static async Task<Results<Accepted<TestSendResult>, ValidationProblem>> TestSend(TestSendRequest? request, MessageStore messages,
        PhoneNumberNormalizer phones, WorkSignal<MessageDispatcher> dispatch, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(request?.Template) || request.Template.Length > JourneyValidation.MaxTemplateLength)
        {
            errors["template"] = [$"A template of at most {JourneyValidation.MaxTemplateLength} characters."];
        }
        else if (!JourneyTemplate.TryParse(request.Template, out var error))
        {
            errors["template"] = [$"Not a valid template: {error}"];
        }
        if (phones.ToE164(request?.To) is not { } to)
        {
            errors["to"] = ["A phone number (E.164, or a number of the program's country with its area code) to send the test to."];
            to = "";
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var text = JourneyTemplate.Render(request!.Template!, SampleData.Traits, SampleData.Coupon, SampleData.Event, SampleData.UserId);
        var (id, _) = await messages.EnqueueAsync(new OutgoingMessage($"journey-test:{Guid.CreateVersion7():N}", to, text, MessageCategory.Transactional,
            Purpose: "journey_test"), cancellationToken);
        dispatch.Notify();
        var encoded = SmartEncoding.Apply(text);
        return TypedResults.Accepted($"/api/messaging/messages/{id}", new TestSendResult(id, encoded.Text, encoded.Count.Encoding, encoded.Count.Segments));
    }

    /// <summary>
    /// The definition a request describes — a graph of steps, or today's single-step form turned into one — after checking
    /// it, a split's condition by Audiences (whose language it is); or the problem to answer.
    /// </summary>
    private static async Task<(JourneyDefinition? Definition, ValidationProblem? Invalid, ProblemHttpResult? Unavailable)> ReadAsync(JourneyRequest? request, AudiencesClient audiences,
        CancellationToken cancellationToken)
    {
        if (request is null)
        {
            return (null, TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["A journey definition is required."] }), null);
        }
        JourneyDefinition definition;
        if (request.Steps is null)
        {
            var legacy = new LegacyJourney(request.Name!, request.Trigger!, request.Template!, request.DelaySeconds, request.Coupon, request.EntryPolicy,
                request.Category ?? "marketing");
            var legacyErrors = legacy.Validate();
            if (legacyErrors.Count > 0)
            {
                return (null, TypedResults.ValidationProblem(legacyErrors), null);
            }
            definition = legacy.ToDefinition() with { ContactWindow = request.ContactWindow, Goal = request.Goal };
        }
        else
        {
            definition = new JourneyDefinition(request.Name?.Trim()!, request.Trigger!, request.Steps, request.EntryPolicy, request.Category ?? "marketing",
                request.ContactWindow, request.Goal);
        }
        var errors = definition.Validate();
        for (var i = 0; errors.Count == 0 && i < definition.Steps.Count; i++)
        {
            if (definition.Steps[i] is { Type: JourneyStep.Split, Condition: { } condition })
            {
                try
                {
                    foreach (var (path, messages) in await audiences.CheckAsync(condition, cancellationToken))
                    {
                        errors[$"steps[{i}].condition{path.Replace("$.condition", "", StringComparison.Ordinal)}"] =
                            [.. messages.Select(message => $"Step \"{definition.Steps[i].Id}\": {message}")];
                    }
                }
                catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                {
                    return (null, null, TypedResults.Problem(statusCode: 503, title: "Audiences cannot check the condition now",
                        detail: $"Step \"{definition.Steps[i].Id}\" has a condition only Audiences can check; try again shortly."));
                }
            }
        }
        return errors.Count > 0 ? (null, TypedResults.ValidationProblem(errors, title: "The journey is not valid."), null) : (definition, null, null);
    }

    private static async Task<JourneyView> ViewAsync(Journey journey, JourneyServices services, CancellationToken cancellationToken) =>
        JourneyView.From(journey, await services.Reports.CountAsync(journey.Id, cancellationToken), await services.Store.VersionsAsync(journey.Id, cancellationToken));

    private static ProblemHttpResult NotFound() => TypedResults.Problem(statusCode: 404, title: "Journey not found");

    /// <summary>A journey as a graph of steps, or in today's single-step form (<see cref="Template"/> with no steps).</summary>
    internal sealed record JourneyRequest(
        string? Name,
        JourneyTrigger? Trigger,
        IReadOnlyList<JourneyStep>? Steps = null,
        EntryPolicy? EntryPolicy = null,
        string? Category = null,
        string? ContactWindow = null,
        JourneyGoal? Goal = null,
        string? Status = null,
        string? Template = null,
        int DelaySeconds = 0,
        CouponStep? Coupon = null);

    internal sealed record TestSendRequest(string? Template, string? To);

    internal sealed record TestSendResult(Guid MessageId, string Text, string Encoding, int Segments);

    internal sealed record JourneyList(IReadOnlyList<JourneyView> Data);

    internal sealed record EntryList(IReadOnlyList<EntryExplanation> Data);

    internal sealed record JourneyView(Guid Id, string Name, string Status, int Version, JourneyDefinition Definition, JourneyCounts? Counts,
        IReadOnlyList<JourneyVersionInfo>? Versions, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
    {
        public static JourneyView From(Journey journey, JourneyCounts? counts, IReadOnlyList<JourneyVersionInfo>? versions) =>
            new(journey.Id, journey.Definition.Name, journey.Status, journey.Version, journey.Definition, counts, versions, journey.CreatedAt, journey.UpdatedAt);
    }
}
