using System.Text.Json;
using Alle.Contracts;
using Alle.Platform.Outbox;
using Alle.Platform.Tracking;
using Npgsql;
using NpgsqlTypes;

namespace Alle.Messaging.Outbox;

/// <summary>
/// Integration events and tracking calls saved in the same transaction (and trace) as the state change they report, published
/// afterwards by <see cref="OutboxRelay"/> (dotnet/eShop's integration event log). Consumers are idempotent, so a row
/// published twice after a crash does no harm.
/// </summary>
internal static class Outbox
{
    public const string StatusChanged = nameof(MessageStatusChanged);
    public const string DataDeleted = nameof(PersonalDataDeleted);
    public const string Track = "track";

    public static Task AddAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, MessageStatusChanged message, CancellationToken cancellationToken) =>
        AddAsync(connection, transaction, StatusChanged, message, message.ChangedAt, cancellationToken);

    public static Task AddAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, PersonalDataDeleted message, CancellationToken cancellationToken) =>
        AddAsync(connection, transaction, DataDeleted, message, message.DeletedAt, cancellationToken);

    public static Task AddTrackAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, TrackCall call, DateTimeOffset at, CancellationToken cancellationToken) =>
        AddAsync(connection, transaction, Track, call, at, cancellationToken);

    private static async Task AddAsync<T>(NpgsqlConnection connection, NpgsqlTransaction transaction, string kind, T payload, DateTimeOffset at, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("INSERT INTO outbox (id, kind, payload, created_at, trace_parent) VALUES ($1, $2, $3, $4, $5)", connection, transaction);
        command.Parameters.AddWithValue(Guid.CreateVersion7());
        command.Parameters.AddWithValue(kind);
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(payload, JsonSerializerOptions.Web), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.AddWithValue(at);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)OutboxTracing.CurrentTraceParent ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
