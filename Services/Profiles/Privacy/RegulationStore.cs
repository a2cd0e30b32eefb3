using System.Text.Json.Serialization;
using Alle.Contracts;
using Alle.Platform.Sql;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Alle.Profiles.Privacy;

internal sealed record RegulationView(
    string Id,
    string RegulationType,
    string SubjectType,
    int SubjectCount,
    int SubjectsProcessed,
    string OverallStatus,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error,
    int ProfilesDeleted,
    IReadOnlyList<ServiceStatus> ServiceStatus);

/// <summary>Progress of one service on a regulation: how many of the deleted profiles it confirmed.</summary>
internal sealed record ServiceStatus(string Service, string Status, int ProfilesReported, int ProfilesTotal, long RowsDeleted, DateTimeOffset? FinishedAt);

/// <summary>Regulations and their progress.</summary>
internal sealed class RegulationStore(NpgsqlDataSource dataSource, IOptions<PrivacyOptions> options, TimeProvider clock)
{
    public async Task<string> CreateAsync(string regulationType, string subjectType, IReadOnlyList<Identifier> subjects, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7().ToString("N");
        await using var command = dataSource.CreateCommand("""
            INSERT INTO regulations (id, regulation_type, subject_type, subject_ids, subject_count, status, created_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """);
        command.Parameters.Add(Sql.Value(id));
        command.Parameters.Add(Sql.Value(regulationType));
        command.Parameters.Add(Sql.Value(subjectType));
        command.Parameters.Add(Sql.Value(subjects.Select(s => s.Value).ToArray()));
        command.Parameters.Add(Sql.Value(subjects.Count));
        command.Parameters.Add(Sql.Value(RegulationStatus.Initialized));
        command.Parameters.Add(Sql.Value(Sql.Utc(clock.GetUtcNow())));
        await command.ExecuteNonQueryAsync(cancellationToken);
        return id;
    }

    public async Task<RegulationView?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Sql.Command("""
                    SELECT regulation_type, subject_type, subject_count, next_subject, status, error, created_at, started_at, finished_at, processing_done
                    FROM regulations WHERE id = $1
                    """, Sql.Value(id)),
                Sql.Command("SELECT count(*)::int, coalesce(sum(rows_deleted), 0)::bigint, max(deleted_at) FROM regulation_deletions WHERE regulation_id = $1", Sql.Value(id)),
                Sql.Command("""
                    SELECT service, count(*)::int, coalesce(sum(rows_deleted), 0)::bigint, max(reported_at)
                    FROM regulation_progress WHERE regulation_id = $1 GROUP BY service
                    """, Sql.Value(id)),
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }
        var regulationType = reader.GetString(0);
        var subjectType = reader.GetString(1);
        var subjectCount = reader.GetInt32(2);
        var processed = reader.GetInt32(3);
        var status = reader.GetString(4);
        var error = reader.IsDBNull(5) ? null : reader.GetString(5);
        var createdAt = reader.GetFieldValue<DateTimeOffset>(6);
        DateTimeOffset? startedAt = reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7);
        DateTimeOffset? finishedAt = reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8);
        var processingDone = reader.GetBoolean(9);

        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var deleted = reader.GetInt32(0);
        var rowsHere = reader.GetInt64(1);
        DateTimeOffset? deletedAt = reader.IsDBNull(2) ? null : reader.GetFieldValue<DateTimeOffset>(2);

        await reader.NextResultAsync(cancellationToken);
        var reports = new Dictionary<string, (int Profiles, long Rows, DateTimeOffset At)>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            reports[reader.GetString(0)] = (reader.GetInt32(1), reader.GetInt64(2), reader.GetFieldValue<DateTimeOffset>(3));
        }

        string ServiceState(bool complete) => complete ? RegulationStatus.Finished : status == RegulationStatus.Failed ? RegulationStatus.Failed : RegulationStatus.Running;
        var services = new List<ServiceStatus>
        {
            new("profiles", ServiceState(processingDone), deleted, deleted, rowsHere, processingDone ? deletedAt ?? finishedAt : null),
        };
        if (RegulationTypes.Deletes(regulationType))
        {
            foreach (var service in options.Value.ServicesOrDefault)
            {
                var report = reports.GetValueOrDefault(service);
                var complete = processingDone && report.Profiles >= deleted;
                services.Add(new ServiceStatus(service, ServiceState(complete), report.Profiles, deleted, report.Rows, complete && report.Profiles > 0 ? report.At : null));
            }
        }
        return new RegulationView(id, regulationType, subjectType, subjectCount, processed, status, createdAt, startedAt, finishedAt, error, deleted, services);
    }

    /// <summary>Records a service's confirmation and finishes the regulation once every service confirmed every deleted profile.</summary>
    public async Task<bool> RecordReportAsync(PersonalDataDeleted report, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The row lock serialises reports of one regulation, so the last one to arrive sees all the others.
        await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM regulations WHERE id = $1 FOR UPDATE", connection, transaction))
        {
            lockRow.Parameters.Add(Sql.Value(report.RegulationId));
            if (await lockRow.ExecuteScalarAsync(cancellationToken) is null)
            {
                return false;
            }
        }
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO regulation_progress (regulation_id, profile_id, service, rows_deleted, reported_at) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT DO NOTHING
            """, connection, transaction))
        {
            insert.Parameters.Add(Sql.Value(report.RegulationId));
            insert.Parameters.Add(Sql.Value(report.ProfileId));
            insert.Parameters.Add(Sql.Value(report.Service));
            insert.Parameters.Add(Sql.Value(report.RowsDeleted));
            insert.Parameters.Add(Sql.Value(Sql.Utc(report.DeletedAt)));
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await FinishIfCompleteAsync(connection, transaction, report.RegulationId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    public async Task FinishIfCompleteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string regulationId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            UPDATE regulations r SET status = 'FINISHED', finished_at = $3, lease_until = NULL
            WHERE r.id = $1 AND r.status = 'RUNNING' AND r.processing_done
              AND NOT EXISTS (
                  SELECT 1 FROM regulation_deletions d CROSS JOIN unnest($2::text[]) AS s(service)
                  WHERE d.regulation_id = r.id
                    AND NOT EXISTS (SELECT 1 FROM regulation_progress p
                                    WHERE p.regulation_id = d.regulation_id AND p.profile_id = d.profile_id AND p.service = s.service))
            """, connection, transaction);
        command.Parameters.Add(Sql.Value(regulationId));
        command.Parameters.Add(Sql.Value(options.Value.ServicesOrDefault.ToArray()));
        command.Parameters.Add(Sql.Value(Sql.Utc(clock.GetUtcNow())));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Regulations whose services did not all report in time become FAILED.</summary>
    public async Task FailOverdueAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE regulations SET status = 'FAILED', finished_at = $1, error = 'Not every service confirmed the deletion in time.'
            WHERE status = 'RUNNING' AND processing_done AND created_at < $2
            """);
        var now = Sql.Utc(clock.GetUtcNow());
        command.Parameters.Add(Sql.Value(now));
        command.Parameters.Add(Sql.Value(now - options.Value.CompletionTimeout));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Suppressed identifiers in key order, for services that need the whole list (ingestion at start).</summary>
    public async Task<IReadOnlyList<Identifier>> SuppressionsAsync(Identifier? after, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT type, value FROM suppressions WHERE $1::text IS NULL OR (type, value) > ($1, $2) ORDER BY type, value LIMIT $3
            """);
        command.Parameters.Add(Sql.Value(after?.Type));
        command.Parameters.Add(Sql.Value(after?.Value ?? ""));
        command.Parameters.Add(Sql.Value(limit));
        var identifiers = new List<Identifier>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            identifiers.Add(new Identifier(reader.GetString(0), reader.GetString(1)));
        }
        return identifiers;
    }
}
