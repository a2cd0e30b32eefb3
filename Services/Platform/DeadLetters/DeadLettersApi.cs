using Alle.Platform.Authorization;
using Alle.Platform.Authentication;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using RabbitMQ.Client.Exceptions;

namespace Alle.Platform.DeadLetters;

/// <summary>
/// Each service's dead letters for operators (admin key), under the service's own prefix:
/// <c>GET {prefix}/dead-letters</c> lists its dead-letter queues with counts and their first and last messages;
/// <c>GET …/dead-letters/{queue}/messages?limit=</c> reads messages in full (personal data masked);
/// <c>POST …/dead-letters/{queue}/replay</c> and <c>…/discard</c> take <c>{"messageIds":[…]}</c> or <c>{"all":true}</c>.
/// </summary>
public static class DeadLettersApi
{
    public const int MaxReadLimit = 500;
    public const int MaxMessageIds = 1_000;

    public static IEndpointRouteBuilder MapDeadLettersApi(this IEndpointRouteBuilder app, string prefix)
    {
        var api = app.MapGroup($"{prefix}/dead-letters").WithTags("Dead letters").RequirePermission(Permissions.OperationsWrite);
        api.MapGet("/", ListAsync).WithSummary("The service's dead-letter queues with counts, first and last message");
        api.MapGet("/{queue}/messages", ReadAsync).WithSummary("Messages in a dead-letter queue with their exceptions");
        api.MapPost("/{queue}/replay", (string queue, DeadLetterSelection? selection, DeadLetterBroker broker, CancellationToken cancellationToken) =>
            MoveAsync(queue, selection, replay: true, broker, cancellationToken))
            .WithSummary("Replay dead letters to the queue they failed on");
        api.MapPost("/{queue}/discard", (string queue, DeadLetterSelection? selection, DeadLetterBroker broker, CancellationToken cancellationToken) =>
            MoveAsync(queue, selection, replay: false, broker, cancellationToken))
            .WithSummary("Discard dead letters");
        return app;
    }

    private static Task<Results<Ok<DeadLetterOverview>, ValidationProblem, ProblemHttpResult>> ListAsync(DeadLetterBroker broker, CancellationToken cancellationToken) =>
        AskBrokerAsync(async () => new DeadLetterOverview(broker.Service, await broker.OverviewAsync(cancellationToken)), cancellationToken);

    private static async Task<Results<Ok<DeadLetterMessages>, ValidationProblem, ProblemHttpResult>> ReadAsync(
        string queue, DeadLetterBroker broker, CancellationToken cancellationToken, int limit = 50)
    {
        if (broker.Find(queue) is not { } deadLetterQueue)
        {
            return UnknownQueue(queue, broker);
        }
        if (limit is < 1 or > MaxReadLimit)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"limit is 1 to {MaxReadLimit}."] });
        }
        return await AskBrokerAsync(() => broker.ReadAsync(deadLetterQueue, limit, cancellationToken), cancellationToken);
    }

    private static async Task<Results<Ok<DeadLetterOutcome>, ValidationProblem, ProblemHttpResult>> MoveAsync(
        string queue, DeadLetterSelection? selection, bool replay, DeadLetterBroker broker, CancellationToken cancellationToken)
    {
        if (broker.Find(queue) is not { } deadLetterQueue)
        {
            return UnknownQueue(queue, broker);
        }
        var (messageIds, errors) = DeadLetterSelection.Validate(selection);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        return await AskBrokerAsync(() => broker.MoveAsync(deadLetterQueue, messageIds, replay, cancellationToken), cancellationToken);
    }

    private static async Task<Results<Ok<T>, ValidationProblem, ProblemHttpResult>> AskBrokerAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return TypedResults.Ok(await call());
        }
        catch (DeadLetterQueueBusyException exception)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Dead-letter queue busy", detail: $"{exception.Message} Try again shortly.");
        }
        catch (DeadLetterReplayStoppedException exception)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway, title: "Replay stopped", detail: exception.Message);
        }
        catch (Exception exception) when (exception is BrokerUnreachableException or OperationInterruptedException or IOException or TimeoutException
            // RabbitMQ.Client gives up on an answer the broker owes it (20 s) with a cancellation of its own.
            || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Event bus unavailable",
                detail: "RabbitMQ could not be reached or did not answer in time. A message leaves a dead-letter queue only once its replay is confirmed.");
        }
    }

    private static ProblemHttpResult UnknownQueue(string queue, DeadLetterBroker broker) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown dead-letter queue",
            detail: $"'{Shorten(queue)}' is not a dead-letter queue of {broker.Service}; GET the dead-letters list for its queues.");

    private static string Shorten(string text) => text.Length <= 100 ? text : $"{text[..100]}…";
}

public sealed record DeadLetterOverview(string Service, IReadOnlyList<DeadLetterQueueOverview> Queues);

/// <summary>Which messages a replay or discard moves: the ones named, or all of them.</summary>
public sealed record DeadLetterSelection(IReadOnlyList<string>? MessageIds, bool? All)
{
    /// <summary>The ids named (null for all), or the errors that make the selection unusable.</summary>
    public static (IReadOnlySet<Guid>? MessageIds, Dictionary<string, string[]> Errors) Validate(DeadLetterSelection? selection)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (selection is null || (selection.All is not true && selection.MessageIds is null))
        {
            errors["body"] = ["Name the messages, {\"messageIds\": [\"…\"]}, or take them all, {\"all\": true}."];
            return (null, errors);
        }
        if (selection.All is true)
        {
            if (selection.MessageIds is not null)
            {
                errors["all"] = ["Either all or messageIds, not both."];
            }
            return (null, errors);
        }
        var named = selection.MessageIds!;
        if (named.Count is 0 or > DeadLettersApi.MaxMessageIds)
        {
            errors["messageIds"] = [$"Name 1 to {DeadLettersApi.MaxMessageIds} message ids."];
            return (null, errors);
        }
        var ids = new HashSet<Guid>();
        for (var i = 0; i < named.Count; i++)
        {
            if (Guid.TryParse(named[i], out var id))
            {
                ids.Add(id);
            }
            else
            {
                errors[$"messageIds[{i}]"] = ["A message id is a GUID, as MassTransit writes it."];
            }
        }
        return (ids, errors);
    }
}
