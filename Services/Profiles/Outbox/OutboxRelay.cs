using System.Text.Json;
using Alle.Contracts;
using Alle.Platform.Outbox;
using Alle.Platform.Workers;
using Alle.Profiles.Caching;
using MassTransit;
using Npgsql;

namespace Alle.Profiles.Outbox;

/// <summary>
/// Publishes outbox rows in batches and deletes them in the same transaction (dotnet/eShop's integration event log,
/// with SKIP LOCKED so replicas share the work). A crash between publish and commit publishes a row again: consumers
/// are idempotent. The cached profiles a row names are invalidated before it is published, so a consumer of
/// <c>ProfileUpdated</c> that reads the Profile API sees the update.
/// </summary>
internal sealed class OutboxRelay(NpgsqlDataSource dataSource, IBus bus, ProfileCache cache, WorkSignal<OutboxRelay> signal, ILogger<OutboxRelay> logger) : BackgroundService
{
    private const int BatchSize = 1000;
    internal const int UpdatesPerMessage = 100;

    /// <summary>
    /// A publish the broker never confirms (its connection lost mid-publish, e.g. a broker restart) must not hold the
    /// relay forever: the batch is rolled back and published again (consumers are idempotent).
    /// </summary>
    private static readonly TimeSpan s_publishTimeout = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await signal.WaitAsync(TimeSpan.FromSeconds(1), stoppingToken);
                while (await PublishBatchAsync(stoppingToken) == BatchSize)
                {
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                logger.LogWarning(exception, "Publishing the outbox failed; retrying");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    private async Task<int> PublishBatchAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var rows = new List<(string Type, string Payload, Guid[] ProfileIds, string? TraceParent)>();
        await using (var command = new NpgsqlCommand("""
            DELETE FROM outbox WHERE id IN (SELECT id FROM outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED)
            RETURNING id, message_type, payload::text, profile_ids, trace_parent
            """, connection, transaction))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = BatchSize });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var ordered = new List<(long Id, string Type, string Payload, Guid[] ProfileIds, string? TraceParent)>();
            while (await reader.ReadAsync(cancellationToken))
            {
                ordered.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<Guid[]>(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
            }
            rows.AddRange(ordered.OrderBy(row => row.Id).Select(row => (row.Type, row.Payload, row.ProfileIds, row.TraceParent)));
        }
        if (rows.Count == 0)
        {
            await transaction.CommitAsync(cancellationToken);
            return 0;
        }

        await cache.InvalidateAsync(rows.SelectMany(row => row.ProfileIds).Distinct());
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(s_publishTimeout);
        var messages = rows.Select(row =>
        {
            var type = OutboxMessage.TypeNamed(row.Type);
            return new PendingMessage(JsonSerializer.Deserialize(row.Payload, type, JsonSerializerOptions.Web)!, row.TraceParent);
        });
        await Task.WhenAll(Coalesce(messages).Select(publication => PublishAsync(publication, deadline.Token)));
        await transaction.CommitAsync(cancellationToken);
        return rows.Count;
    }

    private async Task PublishAsync(Publication publication, CancellationToken cancellationToken)
    {
        var type = publication.Message.GetType();
        using var activity = OutboxTracing.StartRelay($"outbox {type.Name}", publication.TraceParents);
        await bus.Publish(publication.Message, type, cancellationToken);
    }

    /// <summary>
    /// Consecutive <see cref="ProfileUpdated"/> go out together as <see cref="ProfilesUpdated"/> (up to
    /// <see cref="UpdatesPerMessage"/>): per-message work in the broker and in every consumer was the largest cost of
    /// resolving events. An update on its own is published as it is.
    /// </summary>
    internal static IEnumerable<Publication> Coalesce(IEnumerable<PendingMessage> messages)
    {
        var run = new List<(ProfileUpdated Update, string? TraceParent)>();
        foreach (var message in messages)
        {
            if (message.Message is ProfileUpdated update)
            {
                run.Add((update, message.TraceParent));
                if (run.Count == UpdatesPerMessage)
                {
                    yield return Together(run);
                    run.Clear();
                }
                continue;
            }
            if (run.Count > 0)
            {
                yield return Together(run);
                run.Clear();
            }
            yield return new Publication(message.Message, [message.TraceParent]);
        }
        if (run.Count > 0)
        {
            yield return Together(run);
        }
    }

    private static Publication Together(List<(ProfileUpdated Update, string? TraceParent)> run) => new(
        run.Count == 1 ? run[0].Update : new ProfilesUpdated([.. run.Select(item => item.Update)]),
        [.. run.Select(item => item.TraceParent)]);
}
