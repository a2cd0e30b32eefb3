using System.Net;
using System.Text.Json.Nodes;
using Alle.Destinations.Configuration;
using Alle.Destinations.Integrations;
using Alle.Destinations.Intake;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Destinations.Syncs;

/// <summary>
/// Sends a new sync's current members (or computed values) to its destination: pages of Audiences' members API, by
/// profile id. Each page is queued in one transaction with the cursor, so a backfill resumes after a crash from the
/// last page it committed (an instance holds a sync under a one-minute lease, renewed with every page, so replicas never
/// backfill the same sync together). For an audience, people a live change already told the destination about are
/// skipped; calls are keyed by sync, generation and person, so a page sent twice is queued once.
/// </summary>
internal sealed class BackfillWorker(
    NpgsqlDataSource dataSource,
    CatalogStore catalogs,
    DeliveryIntake intake,
    IServiceScopeFactory scopes,
    TimeProvider clock,
    ILogger<BackfillWorker> logger) : BackgroundService
{
    public const int PageSize = 200;
    private static readonly TimeSpan s_lease = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan s_poll = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await ClaimAsync(stoppingToken) is { } sync)
                {
                    await BackfillAsync(sync, stoppingToken);
                    continue;
                }
                await Task.Delay(s_poll, clock, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
            {
                logger.LogWarning("Backfill pass failed: {Message}", exception.Message);
                await Task.Delay(s_poll, clock, stoppingToken);
            }
        }
    }

    private sealed record Claimed(Guid Id, Guid DestinationId, string Kind, string Key, int Generation, Guid? Cursor);

    private async Task<Claimed?> ClaimAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var claimed = await connection.ListAsync("""
            UPDATE syncs SET backfill_status = 'running', backfill_lease_until = $2, backfill_started_at = COALESCE(backfill_started_at, $1)
            WHERE id = (SELECT s.id FROM syncs s JOIN destinations d ON d.id = s.destination_id
                        WHERE d.enabled AND s.backfill_status IN ('pending', 'running') AND (s.backfill_lease_until IS NULL OR s.backfill_lease_until < $1)
                        ORDER BY s.created_at LIMIT 1 FOR UPDATE OF s SKIP LOCKED)
            RETURNING id, destination_id, kind, key, backfill_generation, backfill_cursor
            """, reader => new Claimed(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4),
                reader.IsDBNull(5) ? null : reader.GetGuid(5)), cancellationToken, now, now + s_lease);
        return claimed.FirstOrDefault();
    }

    private async Task BackfillAsync(Claimed claimed, CancellationToken cancellationToken)
    {
        var cursor = claimed.Cursor;
        while (!cancellationToken.IsCancellationRequested)
        {
            IReadOnlyList<(Guid ProfileId, string? UserId, JsonNode? Value)> page;
            Guid? next;
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var audiences = scope.ServiceProvider.GetRequiredService<AudiencesClient>();
                if (claimed.Kind == SyncKinds.Audience)
                {
                    var members = await audiences.MembersAsync(claimed.Key, cursor, PageSize, cancellationToken);
                    (page, next) = ([.. members.Data.Select(m => (m.ProfileId, m.UserId, (JsonNode?)JsonValue.Create(true)))], members.Next);
                }
                else
                {
                    var values = await audiences.ValuesAsync(claimed.Key, cursor, PageSize, cancellationToken);
                    (page, next) = ([.. values.Data.Select(v => (v.ProfileId, v.UserId, JsonNode.Parse(v.Value.GetRawText())))], values.Next);
                }
            }
            catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException)
            {
                var gone = exception is HttpRequestException { StatusCode: HttpStatusCode.NotFound };
                await FailAsync(claimed, exception.Message, final: gone, cancellationToken);
                logger.LogWarning("Backfill of sync {SyncId} {Outcome}: {Message}", claimed.Id, gone ? "failed" : "paused", exception.Message);
                return;
            }
            if (!await CommitPageAsync(claimed, cursor, page, next, cancellationToken))
            {
                return;
            }
            if (next is null)
            {
                logger.LogInformation("Backfill of sync {SyncId} done", claimed.Id);
                return;
            }
            cursor = next;
        }
    }

    /// <summary>Queues one page and moves the cursor; false when the sync was changed or taken meanwhile (deleted, restarted).</summary>
    private async Task<bool> CommitPageAsync(Claimed claimed, Guid? cursor, IReadOnlyList<(Guid ProfileId, string? UserId, JsonNode? Value)> page, Guid? next,
        CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var current = await connection.ListAsync("SELECT backfill_generation, backfill_cursor FROM syncs WHERE id = $1 AND backfill_status = 'running' FOR UPDATE",
            reader => (Generation: reader.GetInt32(0), Cursor: reader.IsDBNull(1) ? (Guid?)null : reader.GetGuid(1)), cancellationToken, claimed.Id);
        if (current.Count == 0 || current[0].Generation != claimed.Generation || current[0].Cursor != cursor)
        {
            return false;
        }
        var catalog = await catalogs.GetAsync(connection, cancellationToken);
        if (catalog.Find(claimed.DestinationId) is not { } destination || destination.Syncs.FirstOrDefault(s => s.Id == claimed.Id) is not { } sync)
        {
            return false;
        }

        var calls = new List<IncomingEvent>();
        foreach (var (profileId, userId, value) in page)
        {
            if (userId is not { Length: > 0 })
            {
                continue;
            }
            var changeId = $"sync-{sync.Id:N}-g{claimed.Generation}-{profileId:N}";
            if (sync.Kind == SyncKinds.Audience)
            {
                // Someone a live change already told the destination about keeps that news.
                var inserted = await connection.ExecuteAsync("""
                    INSERT INTO sync_members (sync_id, profile_id, user_id, member, changed_at) VALUES ($1, $2, $3, true, $4) ON CONFLICT DO NOTHING
                    """, cancellationToken, sync.Id, profileId, userId, now);
                if (inserted == 0)
                {
                    continue;
                }
                calls.AddRange(SyncEvents.ForMembership(sync, userId, true, changeId, now, now).Select(call => DeliveryIntake.FromSync(call, userId, [], now, now)));
            }
            else
            {
                calls.Add(DeliveryIntake.FromSync(SyncEvents.ForComputedValue(sync, userId, value, changeId, now, now), userId, [], now, now));
            }
        }
        var queued = await intake.AcceptAsync(connection, catalog, calls, (_, _) => [destination], cancellationToken);
        await connection.ExecuteAsync("""
            UPDATE syncs SET backfill_cursor = $2, backfill_sent = backfill_sent + $3, backfill_lease_until = $4, backfill_error = NULL,
                backfill_status = CASE WHEN $5 THEN 'done' ELSE 'running' END, backfill_finished_at = CASE WHEN $5 THEN $6 END
            WHERE id = $1
            """, cancellationToken, sync.Id, next, (long)calls.Count, now + s_lease, next is null, now);
        await transaction.CommitAsync(cancellationToken);
        intake.Committed(queued);
        return true;
    }

    private async Task FailAsync(Claimed claimed, string error, bool final, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync("""
            UPDATE syncs SET backfill_error = $2, backfill_status = CASE WHEN $3 THEN 'failed' ELSE backfill_status END,
                backfill_lease_until = CASE WHEN $3 THEN NULL ELSE $4 END
            WHERE id = $1 AND backfill_generation = $5
            """, cancellationToken, claimed.Id, error.Length > 500 ? error[..500] : error, final, clock.GetUtcNow() + TimeSpan.FromSeconds(30), claimed.Generation);
    }
}
