using Alle.Platform.Authorization;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Platform.Audit;

/// <summary>One line of the audit log: who (<see cref="ActorKind"/> admin-key, operator or api-key), when, what.</summary>
public sealed record AuditEntry(long Id, DateTimeOffset At, string Service, string ActorKind, string ActorId, string ActorName,
    string Action, string Resource, int Status, string? Before, string? After);

/// <summary>What to look for: actor (name or id, part of it), text in the action or resource, a time range.</summary>
public sealed record AuditQuery(string? Actor, string? Text, DateTimeOffset? From, DateTimeOffset? To, int Limit);

/// <summary>The service's append-only audit log (table <c>audit_log</c> in its own database).</summary>
public sealed class AuditLog(NpgsqlDataSource dataSource, string service)
{
    public const int MaxSummaryLength = 4_000;

    public string Service => service;

    public async Task RecordAsync(Actor actor, string action, string resource, int status, string? before, string? after, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await connection.ExecuteAsync("""
            INSERT INTO audit_log (service, actor_kind, actor_id, actor_name, action, resource, status, before, after)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            """, cancellationToken, service, actor.Kind, actor.Id, actor.Name, action, PersonalDataMasking.Mask(resource), status,
            Sql.Sql.Text(Summary(before)), Sql.Sql.Text(Summary(after)));
    }

    public async Task<List<AuditEntry>> SearchAsync(AuditQuery query, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await connection.ListAsync("""
            SELECT id, at, service, actor_kind, actor_id, actor_name, action, resource, status, before, after
            FROM audit_log
            WHERE ($1::text IS NULL OR actor_name ILIKE '%' || $1 || '%' OR actor_id = $1)
              AND ($2::text IS NULL OR action ILIKE '%' || $2 || '%' OR resource ILIKE '%' || $2 || '%')
              AND ($3::timestamptz IS NULL OR at >= $3)
              AND ($4::timestamptz IS NULL OR at < $4)
            ORDER BY at DESC, id DESC
            LIMIT $5
            """, reader => new AuditEntry(reader.GetInt64(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), reader.GetString(5), reader.GetString(6), reader.GetString(7), reader.GetInt32(8),
                reader.IsDBNull(9) ? null : reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetString(10)),
            cancellationToken, Sql.Sql.Text(query.Actor), Sql.Sql.Text(query.Text),
            new NpgsqlParameter { Value = (object?)query.From?.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz },
            new NpgsqlParameter { Value = (object?)query.To?.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz },
            query.Limit);
    }

    private static string? Summary(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        var masked = PersonalDataMasking.MaskDocument(AuditRedaction.ForSummary(text));
        return masked.Length <= MaxSummaryLength ? masked : masked[..MaxSummaryLength] + "…";
    }
}
