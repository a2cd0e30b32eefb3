using Alle.Contracts;
using Alle.Ingestion.Storage;
using Alle.Platform.Identifiers;
using MassTransit;
using Npgsql;

namespace Alle.Ingestion.Warehouse;

/// <summary>
/// A person's profile was deleted: deletes every warehouse row about them — by user id and anonymous id, and rows whose
/// traits or context carry their phone or e-mail — plus what ingestion kept aside about them (rejections, plan
/// violations), then reports <see cref="PersonalDataDeleted"/> as the <c>warehouse</c> service. A redelivered message
/// reports the row count of the first deletion. Her events still in flight are kept out by <see cref="DeletedSubjects"/>.
/// </summary>
internal sealed class ProfileDeletedConsumer(
    [FromKeyedServices(WarehouseDatabase.Name)] NpgsqlDataSource warehouse,
    [FromKeyedServices(IngestionDatabase.Name)] NpgsqlDataSource ingestion,
    SubjectIdentifiers identifiers,
    TimeProvider clock,
    ILogger<ProfileDeletedConsumer> logger) : IConsumer<ProfileDeleted>
{
    public const string ServiceName = "warehouse";

    private static readonly string[] s_eventTables = ["tracks", "identifies", "pages", "screens", "groups"];

    public async Task Consume(ConsumeContext<ProfileDeleted> context)
    {
        var deleted = context.Message;
        var subjects = deleted.Identifiers.Select(identifiers.Normalize).OfType<Identifier>().Distinct().ToList();
        string[] userIds = [.. subjects.Where(s => s.Type == "user_id").Select(s => s.Value)];
        string[] anonymousIds = [.. subjects.Where(s => s.Type == "anonymous_id").Select(s => s.Value)];
        string[] contactPoints = [.. subjects.Where(s => s.Type is "phone" or "email").Select(SubjectIdentifiers.Key)];

        var rows = await DeleteFromWarehouseAsync(deleted, userIds, anonymousIds, contactPoints, context.CancellationToken);
        await DeleteKeptAsideAsync(userIds, anonymousIds, context.CancellationToken);

        await context.Publish(new PersonalDataDeleted(deleted.RegulationId, deleted.ProfileId, ServiceName, rows, clock.GetUtcNow()), context.CancellationToken);
        logger.LogInformation("Regulation {RegulationId}: deleted {Rows} warehouse rows of profile {ProfileId}", deleted.RegulationId, rows, deleted.ProfileId);
    }

    private async Task<long> DeleteFromWarehouseAsync(ProfileDeleted deleted, string[] userIds, string[] anonymousIds, string[] contactPoints,
        CancellationToken cancellationToken)
    {
        await using var connection = await warehouse.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await DeletedSubjects.LockForDeletionAsync(connection, transaction, cancellationToken);
        await using (var done = new NpgsqlCommand(
            "SELECT rows_deleted FROM privacy_deletions WHERE regulation_id = $1 AND profile_id = $2 FOR UPDATE", connection, transaction))
        {
            done.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deleted.RegulationId });
            done.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = deleted.ProfileId });
            if (await done.ExecuteScalarAsync(cancellationToken) is long earlier)
            {
                return earlier;
            }
        }

        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var table in s_eventTables)
        {
            batch.BatchCommands.Add(Delete($"DELETE FROM {table} WHERE user_id = ANY($1) OR anonymous_id = ANY($2) OR subject_identifiers && $3",
                userIds, anonymousIds, contactPoints));
        }
        batch.BatchCommands.Add(Delete(
            "DELETE FROM aliases WHERE user_id = ANY($1) OR anonymous_id = ANY($2) OR previous_id = ANY($1) OR previous_id = ANY($2) OR subject_identifiers && $3",
            userIds, anonymousIds, contactPoints));
        batch.BatchCommands.Add(Delete("DELETE FROM users WHERE id = ANY($1) OR id = ANY($2) OR subject_identifiers && $3",
            userIds, [], contactPoints));
        await batch.ExecuteNonQueryAsync(cancellationToken);
        var rows = batch.BatchCommands.Cast<NpgsqlBatchCommand>().Sum(c => (long)c.RecordsAffected);

        // Her events still in flight (received before now, loaded later) are dropped by the loader.
        await DeletedSubjects.RecordAsync(connection, transaction,
            [.. userIds.Select(id => $"user_id:{id}"), .. anonymousIds.Select(id => $"anonymous_id:{id}"), .. contactPoints], clock.GetUtcNow(), cancellationToken);
        await using (var record = new NpgsqlCommand(
            "INSERT INTO privacy_deletions (regulation_id, profile_id, rows_deleted, deleted_at) VALUES ($1, $2, $3, $4)", connection, transaction))
        {
            record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = deleted.RegulationId });
            record.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = deleted.ProfileId });
            record.Parameters.Add(new NpgsqlParameter<long> { TypedValue = rows });
            record.Parameters.Add(new NpgsqlParameter<DateTimeOffset> { TypedValue = clock.GetUtcNow() });
            await record.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return rows;
    }

    private async Task DeleteKeptAsideAsync(string[] userIds, string[] anonymousIds, CancellationToken cancellationToken)
    {
        await using var batch = ingestion.CreateBatch();
        foreach (var table in new[] { "rejected_events", "plan_violations" })
        {
            var command = new NpgsqlBatchCommand($"DELETE FROM {table} WHERE user_id = ANY($1) OR anonymous_id = ANY($2)");
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = userIds });
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = anonymousIds });
            batch.BatchCommands.Add(command);
        }
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlBatchCommand Delete(string sql, string[] userIds, string[] anonymousIds, string[] contactPoints)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = userIds });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = anonymousIds });
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = contactPoints });
        return command;
    }
}
