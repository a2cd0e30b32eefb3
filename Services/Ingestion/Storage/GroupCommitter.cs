using System.Diagnostics;
using System.Threading.Channels;
using Alle.Contracts;
using Alle.Ingestion.Extensions;
using Alle.Ingestion.Outbox;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Alle.Ingestion.Storage;

/// <summary>The group committer has stopped (the service is shutting down): nothing was stored.</summary>
internal sealed class GroupCommitClosedException() : Exception("The service is stopping; nothing was stored.");

/// <summary>
/// Group commit: requests hand their <see cref="AcceptedRequest"/> over and wait for the commit of the group they
/// joined. Nothing waits on a timer: an idle committer commits a lone request at once; while a few flushes are in flight,
/// arriving requests queue, and the next free flush takes everything queued (within <see cref="GroupLimits"/>) into one
/// transaction, one outbox row and one published <see cref="EventsIngested"/> per source. A group that PostgreSQL
/// refuses because of one request's data is committed again request by request, so that request alone fails; when the
/// database cannot be reached every request of the group fails (and answers 503).
/// </summary>
internal sealed class GroupCommitter(
    EventLog eventLog,
    CommittedBatchPublisher publisher,
    IOptions<IngestionOptions> options,
    ILogger<GroupCommitter> logger) : BackgroundService
{
    private static readonly ActivitySource s_activitySource = new("Alle.Ingestion.GroupCommit");

    private readonly Channel<PendingCommit> _queue = Channel.CreateUnbounded<PendingCommit>();

    /// <summary>Requests waiting for a flush; the Tracking API refuses work when this grows too large.</summary>
    public int Waiting => _queue.Reader.Count;

    /// <summary>Commits the request with whatever else is waiting; answers its events not seen before.</summary>
    /// <exception cref="NpgsqlException">The database could not commit it (answer 503).</exception>
    public Task<IReadOnlyList<TrackedEvent>> CommitAsync(AcceptedRequest request)
    {
        var pending = new PendingCommit(request, Activity.Current?.Context ?? default);
        return _queue.Writer.TryWrite(pending) ? pending.Committed.Task : Task.FromException<IReadOnlyList<TrackedEvent>>(new GroupCommitClosedException());
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Stopping closes the queue; the flushes commit what is already queued (its requests are waiting) and end.
        stoppingToken.Register(() => _queue.Writer.TryComplete());
        var limits = GroupLimits.Default;
        return Task.WhenAll(Enumerable.Range(0, Math.Max(1, options.Value.GroupCommitFlushes)).Select(_ => Task.Run(() => FlushAsync(limits))));
    }

    private async Task FlushAsync(GroupLimits limits)
    {
        var group = new List<PendingCommit>();
        while (await _queue.Reader.WaitToReadAsync())
        {
            var size = new GroupSize();
            while (_queue.Reader.TryPeek(out var next) && limits.Admits(size, next.Request) && _queue.Reader.TryRead(out next))
            {
                group.Add(next);
                size = size.Add(next.Request);
            }
            if (group.Count > 0)
            {
                await CommitGroupAsync(group);
                group.Clear();
            }
        }
    }

    private async Task CommitGroupAsync(List<PendingCommit> group)
    {
        try
        {
            await CommitAsync(group);
        }
        catch (Exception exception) when (group.Count > 1 && !IsUnreachable(exception))
        {
            // One request's data made PostgreSQL refuse the whole transaction: commit each alone, so only it fails.
            logger.LogWarning("A group of {Count} requests could not be committed ({Message}); committing them one by one", group.Count, exception.Message);
            foreach (var pending in group)
            {
                await CommitOrFailAsync([pending]);
            }
            return;
        }
        catch (Exception exception)
        {
            Fail(group, exception);
        }
    }

    private async Task CommitOrFailAsync(List<PendingCommit> group)
    {
        try
        {
            await CommitAsync(group);
        }
        catch (Exception exception)
        {
            Fail(group, exception);
        }
    }

    private async Task CommitAsync(List<PendingCommit> group)
    {
        // The group's SQL belongs to the first request's trace; the others are linked to it.
        using var activity = s_activitySource.StartActivity("ingestion group commit", ActivityKind.Internal, group[0].Trace,
            links: group.Skip(1).Where(pending => pending.Trace != default && pending.Trace != group[0].Trace).Select(pending => new ActivityLink(pending.Trace)));
        activity?.SetTag("alle.group_commit.requests", group.Count);

        var committed = await eventLog.AppendAsync([.. group.Select(pending => pending.Request)], CancellationToken.None);
        foreach (var batch in committed.Batches)
        {
            publisher.Enqueue(new PendingBatch(batch.BatchId, batch.SourceId, batch.Events, batch.TraceParents));
        }
        for (var i = 0; i < group.Count; i++)
        {
            group[i].Committed.TrySetResult(committed.Fresh[i]);
        }
    }

    private static void Fail(List<PendingCommit> group, Exception exception)
    {
        foreach (var pending in group)
        {
            pending.Committed.TrySetException(exception);
        }
    }

    /// <summary>The database could not be reached or did not answer in time, as opposed to refusing a statement.</summary>
    private static bool IsUnreachable(Exception exception) =>
        exception is TimeoutException || (exception is NpgsqlException and not PostgresException);

    private sealed record PendingCommit(AcceptedRequest Request, ActivityContext Trace)
    {
        public TaskCompletionSource<IReadOnlyList<TrackedEvent>> Committed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
