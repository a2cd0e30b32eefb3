using Alle.Platform.DeadLetters;
using Alle.Platform.Outbox;
using Alle.Web.Services;
using Alle.Web.Services.Operations;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Alle.Web.Pages.Console;

/// <summary>
/// What every service has not managed to deliver: its outbox (pending and failing rows, the oldest one's age, the last
/// error) and its dead-letter queues (counts, the first and last message with its error, and replay or discard of one
/// message or of the whole queue, each after a confirmation).
/// </summary>
public sealed class DeadLettersModel(DeadLettersAdminService deadLetters, OutboxStatusService outboxes) : PageModel
{
    public IReadOnlyList<ServiceDeadLetters> Services { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Services = await Task.WhenAll(OperationsClients.Services.Select(async service =>
        {
            var outbox = ReadOutboxAsync(service, cancellationToken);
            try
            {
                return new ServiceDeadLetters(service, (await deadLetters.OverviewAsync(service, cancellationToken)).Queues, null, await outbox);
            }
            catch (Exception exception) when (exception is ServiceProblem or HttpRequestException or TaskCanceledException)
            {
                return new ServiceDeadLetters(service, [], Describe(exception), await outbox);
            }
        }));

    private async Task<OutboxReading> ReadOutboxAsync(string service, CancellationToken cancellationToken)
    {
        try
        {
            return new OutboxReading(await outboxes.StatusAsync(service, cancellationToken), null);
        }
        catch (Exception exception) when (exception is ServiceProblem or HttpRequestException or TaskCanceledException)
        {
            return new OutboxReading(null, Describe(exception));
        }
    }

    private static string Describe(Exception exception) => exception is ServiceProblem problem ? problem.Describe() : "The service did not answer.";

    public Task<IActionResult> OnPostReplayAsync(string service, string queue, Guid? messageId, string? confirm, CancellationToken cancellationToken) =>
        ActAsync(service, queue, messageId, confirm, replay: true, cancellationToken);

    public Task<IActionResult> OnPostDiscardAsync(string service, string queue, Guid? messageId, string? confirm, CancellationToken cancellationToken) =>
        ActAsync(service, queue, messageId, confirm, replay: false, cancellationToken);

    private async Task<IActionResult> ActAsync(string service, string queue, Guid? messageId, string? confirm, bool replay, CancellationToken cancellationToken)
    {
        if (!OperationsClients.Services.Contains(service))
        {
            return NotFound();
        }
        if (confirm != "yes")
        {
            TempData["Notice"] = "Nothing was changed: the action was not confirmed.";
            return RedirectToPage();
        }
        try
        {
            var outcome = replay
                ? await deadLetters.ReplayAsync(service, queue, messageId, cancellationToken)
                : await deadLetters.DiscardAsync(service, queue, messageId, cancellationToken);
            TempData["Notice"] = Describe(outcome, replay);
        }
        catch (ServiceProblem problem)
        {
            TempData["Notice"] = $"Nothing more was changed: {problem.Describe()}";
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
        {
            // A replay the broker confirmed stays done; the list below shows what is left.
            TempData["Notice"] = $"{service} did not answer; what it moved before that stays moved.";
        }
        return RedirectToPage();
    }

    public static string Describe(DeadLetterOutcome outcome, bool replay)
    {
        var text = $"{(replay ? "Replayed" : "Discarded")} {outcome.Count} message(s) from {outcome.Queue}; {outcome.Remaining} remain.";
        if (outcome.DuplicatesRemoved > 0)
        {
            text += $" {outcome.DuplicatesRemoved} duplicate copies were removed.";
        }
        if (outcome.NotFound.Count > 0)
        {
            text += " The message was no longer there (replayed or discarded meanwhile).";
        }
        return text;
    }

    public sealed record OutboxReading(OutboxStatusResponse? Status, string? Error)
    {
        /// <summary>The age past which the service's own health check reports its outbox Degraded.</summary>
        public static readonly TimeSpan DegradedAfter = new OutboxOptions().DegradedAfter;

        public bool Behind => Status is { } status && (status.OldestPendingAgeSeconds > DegradedAfter.TotalSeconds || status.ReadError is not null);
    }

    public sealed record ServiceDeadLetters(string Service, IReadOnlyList<DeadLetterQueueOverview> Queues, string? Error, OutboxReading Outbox)
    {
        public IEnumerable<DeadLetterQueueOverview> NonEmpty => Queues.Where(q => q.MessageCount > 0 || q.Busy);
    }
}
