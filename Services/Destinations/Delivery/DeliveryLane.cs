using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Threading.RateLimiting;
using Alle.Destinations.Configuration;
using Alle.Destinations.Extensions;
using Alle.Destinations.Integrations;
using Alle.Destinations.Intake;
using Alle.Destinations.Mappings;
using Alle.Destinations.Network;
using Alle.Destinations.Syncs;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry;

namespace Alle.Destinations.Delivery;

/// <summary>
/// One pass of a destination's lane: claim due deliveries (a batch of them, in one transaction), make the requests —
/// at most the destination's concurrency at once, paced by its rate limit — and record every outcome before the
/// transaction commits. A webhook with batching waits, holding its claim, until its batch is full or its oldest event
/// has waited the batch time. A pass is one span (<c>deliver</c>, with its counts); the requests themselves are not
/// traced one by one (at thousands a second they would cost more than the deliveries; the delivery log has each attempt).
/// </summary>
internal sealed class DeliveryLane(
    NpgsqlDataSource dataSource,
    IServiceScopeFactory scopes,
    DestinationUrlPolicy urlPolicy,
    IOptions<DestinationsOptions> options,
    TimeProvider clock,
    ILogger<DeliveryLane> logger)
{
    private static readonly ActivitySource s_tracing = new("Alle.Destinations");
    private readonly ConcurrentDictionary<(Guid, int), RateLimiter> _rateLimiters = new();

    private DeliveryOptions Settings => options.Value.Delivery;

    private RetrySchedule Schedule => new(Settings.RetryBaseDelay, Settings.MaxRetryDelay, Settings.MaxRetryAfter);

    /// <summary>Delivers what is due once; answers how many deliveries it attempted and the longest <c>Retry-After</c> it was asked to wait.</summary>
    public async Task<(int Attempted, TimeSpan? Pause)> RunOnceAsync(Destination destination, CancellationToken cancellationToken)
    {
        var delivery = destination.Definition.Delivery;
        var webhook = destination.Definition.Webhook;
        var perRequest = webhook is { Batched: true } ? webhook.BatchSize : 1;
        var limit = Math.Max(1, delivery.Concurrency * perRequest * (webhook is { Batched: true } ? 1 : Settings.ClaimPerSlot));
        if (delivery.RateLimitPerSecond is { } rate)
        {
            limit = Math.Min(limit, Math.Max(perRequest, rate * perRequest));
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var claimed = await DeliveryQueue.ClaimAsync(connection, destination.Id, delivery.Ordered, limit, [], clock.GetUtcNow(), cancellationToken);
        if (claimed.Count == 0)
        {
            return (0, null);
        }
        using var activity = s_tracing.StartActivity("deliver");
        activity?.SetTag("alle.destination.id", destination.Id.ToString());
        if (webhook is { Batched: true } && claimed.Count < limit)
        {
            await FillBatchAsync(connection, destination, webhook, claimed, limit, cancellationToken);
        }

        var requests = Requests(destination, claimed);
        var results = new AttemptRecord[claimed.Count];
        var index = claimed.Select((row, i) => (row.Id, i)).ToDictionary(pair => pair.Id, pair => pair.i);
        TimeSpan? pause = null;
        using var slots = new SemaphoreSlim(delivery.Concurrency);
        var limiter = delivery.RateLimitPerSecond is { } perSecond ? RateLimiterFor(destination.Id, perSecond) : null;
        await Task.WhenAll(requests.Select(async group =>
        {
            await slots.WaitAsync(cancellationToken);
            try
            {
                if (limiter is not null)
                {
                    using var lease = await limiter.AcquireAsync(1, cancellationToken);
                }
                var (records, retryAfter) = await AttemptAsync(destination, group, cancellationToken);
                foreach (var record in records)
                {
                    results[index[record.DeliveryId]] = record;
                }
                if (retryAfter is { } wait)
                {
                    lock (results)
                    {
                        pause = pause is { } longest && longest > wait ? longest : wait;
                    }
                }
            }
            finally
            {
                slots.Release();
            }
        }));

        await DeliveryQueue.RecordAsync(connection, destination.Id, results, clock.GetUtcNow(), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        foreach (var outcome in results.GroupBy(r => r.Outcome))
        {
            activity?.SetTag($"alle.deliveries.{outcome.Key}", outcome.Count());
        }
        return (claimed.Count, pause);
    }

    /// <summary>Claims more until the batch is full or its oldest event has waited the batch time.</summary>
    private async Task FillBatchAsync(NpgsqlConnection connection, Destination destination, WebhookSettings webhook, List<ClaimedDelivery> claimed, int limit,
        CancellationToken cancellationToken)
    {
        var flushAt = claimed.Min(row => row.EnqueuedAt) + webhook.BatchWait;
        while (claimed.Count < limit && clock.GetUtcNow() < flushAt)
        {
            var wait = flushAt - clock.GetUtcNow();
            await Task.Delay(wait < Settings.PollInterval ? wait : Settings.PollInterval, clock, cancellationToken);
            claimed.AddRange(await DeliveryQueue.ClaimAsync(connection, destination.Id, destination.Definition.Delivery.Ordered, limit - claimed.Count,
                [.. claimed.Select(row => row.Id)], clock.GetUtcNow(), cancellationToken));
        }
    }

    /// <summary>The requests for claimed deliveries: one per event, or for a batched webhook one per batch.</summary>
    private static IEnumerable<IReadOnlyList<ClaimedDelivery>> Requests(Destination destination, List<ClaimedDelivery> claimed) =>
        destination.Definition.Webhook is { Batched: true } webhook ? claimed.Chunk(webhook.BatchSize) : claimed.Select(row => (IReadOnlyList<ClaimedDelivery>)[row]);

    private async Task<(IReadOnlyList<AttemptRecord>, TimeSpan?)> AttemptAsync(Destination destination, IReadOnlyList<ClaimedDelivery> group,
        CancellationToken cancellationToken)
    {
        OutgoingRequest request;
        try
        {
            request = await BuildAsync(destination, group, cancellationToken);
        }
        catch (MappingRenderException exception)
        {
            return (Record(destination, group, new SendResult(null, null, null, exception.Message, 0), AttemptOutcome.Failed, null), null);
        }
        catch (HttpRequestException exception)
        {
            // Profiles could not give the traits a template needs: the event waits, as for a destination that did not answer.
            return (Record(destination, group, new SendResult(null, null, null, $"profile traits unavailable: {exception.Message}", 0), AttemptOutcome.Retry, null), null);
        }

        await using var scope = scopes.CreateAsyncScope();
        var sender = scope.ServiceProvider.GetRequiredService<DestinationHttpClient>();
        SendResult result;
        using (SuppressInstrumentationScope.Begin())
        {
            result = await sender.SendAsync(request, destination.Secret, destination.Definition.Delivery.Timeout, Settings.LoggedBodyLength, cancellationToken);
        }
        var outcome = result.Refused ? AttemptOutcome.Failed : RetrySchedule.Classify(result.StatusCode);
        var retryAfter = outcome == AttemptOutcome.Retry ? Schedule.RetryAfter(result.RetryAfter, clock.GetUtcNow()) : null;
        if (outcome == AttemptOutcome.Failed)
        {
            logger.LogWarning("Destination {DestinationId} refused {Count} deliveries: {Status} {Error}", destination.Id, group.Count, result.StatusCode, result.Error);
        }
        return (Record(destination, group, result, outcome, retryAfter), result.StatusCode == (int)HttpStatusCode.TooManyRequests ? retryAfter : null);
    }

    private List<AttemptRecord> Record(Destination destination, IReadOnlyList<ClaimedDelivery> group, SendResult result, AttemptOutcome outcome, TimeSpan? retryAfter)
    {
        var now = clock.GetUtcNow();
        return [.. group.Select(row =>
        {
            var attempt = row.Attempts + 1;
            var (status, label, next) = outcome switch
            {
                AttemptOutcome.Delivered => (DeliveryStatus.Delivered, "delivered", (DateTimeOffset?)null),
                AttemptOutcome.Failed => (DeliveryStatus.Failed, "failed", null),
                _ => Schedule.NextAttempt(attempt, retryAfter, now, row.EnqueuedAt, destination.Definition.Delivery.RetryWindow, Random.Shared.NextDouble()) is { } at
                    ? (DeliveryStatus.Pending, "retry", at)
                    : (DeliveryStatus.Dead, "dead_lettered", null),
            };
            return new AttemptRecord(row.Id, row.MessageId, attempt, status, label, result.StatusCode, result.LatencyMs, result.Body, result.Error, next);
        })];
    }

    private async Task<OutgoingRequest> BuildAsync(Destination destination, IReadOnlyList<ClaimedDelivery> group, CancellationToken cancellationToken)
    {
        if (destination.Definition.Webhook is { } webhook)
        {
            // The stored payloads are sent as they are: one event, or a JSON array of them.
            var body = group.Count == 1 && !webhook.Batched ? group[0].Payload : "[" + string.Join(',', group.Select(row => row.Payload)) + "]";
            return new OutgoingRequest("POST", webhook.Url, [.. webhook.Headers.Select(h => (h.Key, h.Value))], Encoding.UTF8.GetBytes(body));
        }

        var row = group[0];
        var mapping = destination.Mappings.FirstOrDefault(m => m.Id == row.MappingId)
            ?? throw new MappingRenderException("The mapping this event was queued for no longer exists.");
        var segmentEvent = JsonNode.Parse(row.Payload) as JsonObject ?? throw new MappingRenderException("The queued event is not a JSON object.");
        JsonObject? traits = null;
        if (mapping.Template.UsesTraits && segmentEvent["userId"]?.GetValue<string>() is { Length: > 0 } userId)
        {
            await using var scope = scopes.CreateAsyncScope();
            traits = await scope.ServiceProvider.GetRequiredService<ProfilesClient>().TraitsAsync(userId, cancellationToken);
        }
        return Render(mapping, new MappingContext(segmentEvent, traits, SyncEvents.AudienceOf(segmentEvent), destination.Id, destination.Name), urlPolicy);
    }

    /// <summary>A mapping's request for one event, with its URL checked against the policy (templates can put anything there).</summary>
    public static OutgoingRequest Render(Mapping mapping, MappingContext context, DestinationUrlPolicy policy)
    {
        RenderedRequest rendered;
        try
        {
            rendered = mapping.Template.Render(context);
        }
        catch (Exception exception) when (exception is InvalidOperationException or ArgumentException or FormatException)
        {
            throw new MappingRenderException($"The template could not be rendered: {exception.Message}");
        }
        if (policy.Check(rendered.Url, out var url) is { } problem)
        {
            throw new MappingRenderException($"The rendered URL is refused: {problem}");
        }
        return new OutgoingRequest(rendered.Method, url!, rendered.Headers, rendered.Body is null ? null : Encoding.UTF8.GetBytes(rendered.Body));
    }

    private RateLimiter RateLimiterFor(Guid destinationId, int perSecond) => _rateLimiters.GetOrAdd((destinationId, perSecond), _ => new TokenBucketRateLimiter(
        new TokenBucketRateLimiterOptions
        {
            TokenLimit = perSecond,
            TokensPerPeriod = perSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = int.MaxValue,
            QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
            AutoReplenishment = true,
        }));
}
