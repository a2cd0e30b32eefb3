using System.Collections.Frozen;
using Alle.Contracts;
using Alle.Ingestion.Storage;
using Alle.Platform.Identifiers;
using Npgsql;

namespace Alle.Ingestion.Suppression;

/// <summary>
/// The identifiers whose events are dropped at ingestion (privacy regulations SUPPRESS / UNSUPPRESS), kept in ingestiondb
/// and held in memory for the request path. Loaded before the service takes traffic; changes made through another
/// replica are picked up within <see cref="RefreshEvery"/>.
/// </summary>
internal sealed class SuppressionList(
    [FromKeyedServices(IngestionDatabase.Name)] NpgsqlDataSource dataSource,
    SubjectIdentifiers identifiers,
    TimeProvider clock,
    ILogger<SuppressionList> logger) : BackgroundService
{
    public static readonly TimeSpan RefreshEvery = TimeSpan.FromSeconds(2);

    private volatile FrozenSet<string> _suppressed = FrozenSet<string>.Empty;
    private long _version = -1;

    /// <summary>The suppressed identifier the event carries, or null.</summary>
    public Identifier? FindSuppressed(TrackedEvent trackedEvent)
    {
        var suppressed = _suppressed;
        if (suppressed.Count == 0)
        {
            return null;
        }
        return identifiers.Of(trackedEvent).FirstOrDefault(identifier => suppressed.Contains(SubjectIdentifiers.Key(identifier)));
    }

    /// <summary>Records a regulation's subjects as suppressed (or no longer), then reloads.</summary>
    public async Task ApplyAsync(SubjectsSuppressed change, CancellationToken cancellationToken)
    {
        var subjects = change.Subjects.Select(identifiers.Normalize).OfType<Identifier>().Distinct().ToList();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        var write = new NpgsqlBatchCommand(change.Suppressed
            ? """
              INSERT INTO suppressed_identifiers (type, value, regulation_id, suppressed_at)
              SELECT *, $3, $4 FROM unnest($1::text[], $2::text[])
              ON CONFLICT (type, value) DO UPDATE SET regulation_id = excluded.regulation_id, suppressed_at = excluded.suppressed_at
              """
            : "DELETE FROM suppressed_identifiers WHERE (type, value) IN (SELECT * FROM unnest($1::text[], $2::text[]))");
        write.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. subjects.Select(s => s.Type)] });
        write.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = [.. subjects.Select(s => s.Value)] });
        if (change.Suppressed)
        {
            write.Parameters.Add(new NpgsqlParameter<string> { TypedValue = change.RegulationId });
            write.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = change.At });
        }
        batch.BatchCommands.Add(write);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("UPDATE suppression_version SET version = version + 1"));
        await batch.ExecuteNonQueryAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        await RefreshAsync(cancellationToken);
        logger.LogInformation("Regulation {RegulationId}: {Count} identifiers {Change}", change.RegulationId, subjects.Count,
            change.Suppressed ? "suppressed" : "no longer suppressed");
    }

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // Nothing is accepted before the list is known: a suppressed person's events must never slip through at start.
        await RefreshAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RefreshEvery, clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
            {
                logger.LogWarning("Could not refresh the suppression list: {Message}", exception.Message);
            }
        }
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        long version;
        await using (var versionCommand = new NpgsqlCommand("SELECT version FROM suppression_version", connection))
        {
            version = (long)(await versionCommand.ExecuteScalarAsync(cancellationToken))!;
        }
        if (version == Interlocked.Read(ref _version))
        {
            return;
        }
        var keys = new List<string>();
        await using var command = new NpgsqlCommand("SELECT type, value FROM suppressed_identifiers", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(SubjectIdentifiers.Key(new Identifier(reader.GetString(0), reader.GetString(1))));
        }
        _suppressed = keys.ToFrozenSet(StringComparer.Ordinal);
        Interlocked.Exchange(ref _version, version);
    }
}
