using System.Text.Json;
using Alle.Contracts;
using Alle.Ingestion.EventSchema;
using Alle.Ingestion.Extensions;
using Alle.Ingestion.LiveStream;
using Alle.Ingestion.Outbox;
using Alle.Ingestion.RateLimiting;
using Alle.Ingestion.Sources;
using Alle.Ingestion.Storage;
using Alle.Ingestion.Suppression;
using Alle.Ingestion.TrackingPlans;
using Alle.Platform.Outbox;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Alle.Ingestion.Tracking;

/// <summary>How a Tracking API request ended.</summary>
internal enum IntakeStatus
{
    Accepted,
    Unauthorized,
    RateLimited,
    Unavailable,
}

internal readonly record struct IntakeResult(IntakeStatus Status, TimeSpan RetryAfter = default)
{
    public static readonly IntakeResult Accepted = new(IntakeStatus.Accepted);
    public static readonly IntakeResult Unauthorized = new(IntakeStatus.Unauthorized);
}

/// <summary>
/// Takes a parsed Tracking API request from its source to durable storage: authenticates the write key, applies the
/// source's rate limit, normalises and validates each call, drops suppressed people's events, applies the tracking
/// plan, commits everything in one transaction and only then hands the new events to the outbox relay and the live stream.
/// </summary>
internal sealed class TrackingIntake(
    SourceDirectory sources,
    SourceRateLimiter rateLimiter,
    SuppressionList suppressionList,
    TrackingPlanStore trackingPlans,
    GroupCommitter committer,
    CommittedBatchPublisher publisher,
    BrokerAvailability broker,
    LiveEventStream liveStream,
    EventSchemaCollector schema,
    IOptions<IngestionOptions> options,
    TimeProvider clock,
    ILogger<TrackingIntake> logger)
{
    private TimeSpan RetryAfter => TimeSpan.FromSeconds(options.Value.RetryAfterSeconds);

    /// <summary>Whether new work can be made durable and delivered now; checked before a body is even read.</summary>
    public IntakeResult? RefuseWhenOverloaded() =>
        !broker.IsAvailable || publisher.Backlog > options.Value.MaxUnpublishedBatches || committer.Waiting > options.Value.MaxWaitingRequests
            ? new IntakeResult(IntakeStatus.Unavailable, RetryAfter)
            : null;

    public ValueTask<Source?> AuthenticateAsync(string? writeKey, CancellationToken cancellationToken) =>
        sources.AuthenticateAsync(writeKey, cancellationToken);

    public async Task<IntakeResult> AcceptAsync(Source source, TrackingRequest request, string? impliedType, string? clientIp, CancellationToken cancellationToken)
    {
        var wait = rateLimiter.TryAcquire(source.Id, source.RateLimitPerSecond ?? options.Value.DefaultRateLimitPerSecond, request.Messages.Count);
        if (wait is { } retryAfter)
        {
            return new IntakeResult(IntakeStatus.RateLimited, retryAfter);
        }

        var arrival = new Arrival(source.Id, clock.GetUtcNow(), clientIp);
        var accepted = new List<TrackedEvent>(request.Messages.Count);
        var rejected = new List<RejectedMessage>();
        var violations = new List<PlanViolation>();
        TrackingPlan? plan;
        try
        {
            plan = await trackingPlans.GetAsync(source.Id, cancellationToken);
        }
        catch (NpgsqlException exception)
        {
            return Unavailable(exception);
        }

        foreach (var message in request.Messages)
        {
            var (trackedEvent, rejection) = MessageNormalizer.Normalize(message, impliedType, request.Defaults, arrival);
            if (rejection is not null)
            {
                rejected.Add(rejection);
                continue;
            }
            if (suppressionList.FindSuppressed(trackedEvent!) is not null)
            {
                // A suppressed person's data is not kept, not even among the rejections.
                rejected.Add(new RejectedMessage("suppressed", trackedEvent!.MessageId, trackedEvent.Type, trackedEvent.Event, null, null, null));
                continue;
            }
            if (plan?.Check(trackedEvent!, message) is { } violation)
            {
                violations.Add(violation);
                if (violation.Action == PlanMode.Block)
                {
                    continue;
                }
            }
            accepted.Add(trackedEvent!);
        }

        var stored = new AcceptedRequest(source.Id, arrival.ReceivedAt, accepted, rejected, violations, OutboxTracing.CurrentTraceParent, request.Bytes);
        IReadOnlyList<TrackedEvent> fresh;
        try
        {
            // Committed with whatever other requests are waiting; the committer hands the new events to the publisher.
            fresh = await committer.CommitAsync(stored);
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException or GroupCommitClosedException)
        {
            return Unavailable(exception);
        }

        if (fresh.Count > 0)
        {
            schema.Observe(fresh);
        }
        if (liveStream.HasListeners(source.Id))
        {
            liveStream.Publish(source.Id, ToLiveEvents(stored));
        }
        return IntakeResult.Accepted;
    }

    public IntakeResult Unavailable(Exception exception)
    {
        logger.LogWarning("Events could not be stored; answering 503: {Message}", exception.Message);
        return new IntakeResult(IntakeStatus.Unavailable, RetryAfter);
    }

    private static IEnumerable<LiveEvent> ToLiveEvents(AcceptedRequest request)
    {
        var flagged = request.Violations.Where(v => v.Action == PlanMode.Flag).DistinctBy(v => v.MessageId).ToDictionary(v => v.MessageId, StringComparer.Ordinal);
        foreach (var trackedEvent in request.Events)
        {
            var violation = flagged.GetValueOrDefault(trackedEvent.MessageId);
            yield return new LiveEvent(violation is null ? "accepted" : "flagged", violation is null ? null : string.Join("; ", violation.Errors),
                trackedEvent.MessageId, trackedEvent.Type, trackedEvent.Event, request.ReceivedAt, JsonSerializer.SerializeToElement(trackedEvent, EventLog.PayloadOptions));
        }
        foreach (var blocked in request.Violations.Where(v => v.Action == PlanMode.Block))
        {
            yield return new LiveEvent("blocked", string.Join("; ", blocked.Errors), blocked.MessageId, null, blocked.EventKey, request.ReceivedAt, blocked.Payload);
        }
        foreach (var rejection in request.Rejected)
        {
            yield return new LiveEvent("rejected", rejection.Reason, rejection.MessageId, rejection.Type, rejection.Event, request.ReceivedAt, rejection.Payload);
        }
    }
}
