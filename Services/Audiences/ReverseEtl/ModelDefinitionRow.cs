using System.Text.Json;
using Alle.Audiences.Conditions;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Audiences.ReverseEtl;

/// <summary>A reverse ETL model as stored: a SELECT against the warehouse, how its rows map to people and traits, and when it runs.</summary>
internal sealed record ModelDefinitionRow(
    Guid Id,
    string Key,
    string Name,
    string? Description,
    string Query,
    ModelMapping Mapping,
    string? Schedule,
    int TimeoutSeconds,
    bool Enabled,
    DateTimeOffset? NextRunAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    public const string Select = """
        SELECT id, key, name, description, query, identifier_column, identifier_type, trait_columns::text, schedule, timeout_seconds, enabled,
               next_run_at, created_at, updated_at
        FROM etl_models
        """;

    public static ModelDefinitionRow Read(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.NullableString(3), reader.GetString(4),
        new ModelMapping(reader.GetString(5), ProfileIdentifiers.Names[reader.GetString(6)],
            JsonSerializer.Deserialize<Dictionary<string, string>>(reader.GetString(7))!),
        reader.NullableString(8), reader.GetInt32(9), reader.GetBoolean(10), reader.NullableInstant(11), reader.Instant(12), reader.Instant(13));

    public static async Task<ModelDefinitionRow?> FindAsync(NpgsqlConnection connection, string model, CancellationToken cancellationToken, bool forUpdate = false)
    {
        var suffix = forUpdate ? " FOR UPDATE" : "";
        var found = Guid.TryParse(model, out var id)
            ? await connection.ListAsync($"{Select} WHERE id = $1{suffix}", Read, cancellationToken, id)
            : await connection.ListAsync($"{Select} WHERE key = $1{suffix}", Read, cancellationToken, model);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>The model's query as the reader runs it: each row as one JSON object, at most <paramref name="limitParameter"/> rows.</summary>
    public static string Wrap(string query, string limitParameter = "$1") =>
        $"SELECT to_jsonb(model) FROM (\n{query.TrimEnd().TrimEnd(';').TrimEnd()}\n) AS model LIMIT {limitParameter}";
}
