using Npgsql;

namespace Alle.Ingestion.Storage;

/// <summary>Creates the ingestion schema at start (idempotent).</summary>
internal sealed class SchemaInitializer([FromKeyedServices("ingestiondb")] NpgsqlDataSource dataSource) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            CREATE TABLE IF NOT EXISTS accepted_events (
                source_id    text        NOT NULL,
                message_id   text        NOT NULL,
                type         text        NOT NULL,
                payload      jsonb       NOT NULL,
                received_at  timestamptz NOT NULL,
                PRIMARY KEY (source_id, message_id)
            );
            """);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
