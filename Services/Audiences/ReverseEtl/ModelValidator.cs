using Alle.Audiences.Apis;
using Alle.Audiences.Conditions;
using Alle.Audiences.Definitions;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Audiences.ReverseEtl;

/// <summary>Checks a model before it is saved, including a dry run of its query on the warehouse.</summary>
internal sealed class ModelValidator(WarehouseAccess warehouse)
{
    public const int DefaultTimeoutSeconds = 60;

    /// <summary>Checks the request, then runs the query as the read-only role without rows to confirm it parses and has the columns named.</summary>
    public async Task ValidateAsync(ModelRequest request, ValidationErrors errors, CancellationToken cancellationToken)
    {
        DefinitionKeys.CheckName(request.Name, errors);
        DefinitionKeys.CheckDescription(request.Description, errors);
        var query = request.Query?.Trim();
        if (string.IsNullOrEmpty(query) || query.Length > 20_000
            || !(query.StartsWith("select", StringComparison.OrdinalIgnoreCase) || query.StartsWith("with", StringComparison.OrdinalIgnoreCase)))
        {
            errors.Add("$.query", "The query is one SELECT (or WITH … SELECT) against the warehouse, at most 20,000 characters.");
        }
        if (string.IsNullOrWhiteSpace(request.IdentifierColumn))
        {
            errors.Add("$.identifierColumn", "Name the result column that identifies the person.");
        }
        if (request.IdentifierType is null || !ProfileIdentifiers.Names.ContainsKey(request.IdentifierType))
        {
            errors.Add("$.identifierType", "The identifier is one of: user_id, email, phone.");
        }
        foreach (var (column, trait) in request.TraitColumns ?? [])
        {
            if (string.IsNullOrWhiteSpace(trait) || trait.Length > 100)
            {
                errors.Add($"$.traitColumns['{column}']", "Each synced column names the trait it sets (at most 100 characters).");
            }
        }
        if ((request.TraitColumns is null || request.TraitColumns.Count == 0) && request.Audience is null)
        {
            errors.Add("$.traitColumns", "Sync at least one column as a trait, or feed a custom audience (\"audience\": {\"key\", \"name\"}).");
        }
        if (request.Schedule is not null && !ModelSchedule.IsValid(request.Schedule))
        {
            errors.Add("$.schedule", "The schedule is a five-field cron expression in UTC, e.g. \"0 * * * *\" (hourly); leave it out to run on demand only.");
        }
        if (request.TimeoutSeconds is < 1 or > 600)
        {
            errors.Add("$.timeoutSeconds", "The statement timeout is 1 to 600 seconds.");
        }
        if (!errors.IsEmpty)
        {
            return;
        }

        try
        {
            await warehouse.Ready.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken);
            await warehouse.RefreshGrantsAsync(cancellationToken);
            await using var connection = await warehouse.Reader.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await connection.ExecuteAsync($"SET TRANSACTION READ ONLY; {WarehouseAccess.TimeoutSetting(Math.Min(request.TimeoutSeconds ?? DefaultTimeoutSeconds, 10))}", cancellationToken);
            await using var command = connection.Command($"SELECT * FROM (\n{query!.TrimEnd(';', ' ', '\n', '\r', '\t')}\n) AS model LIMIT $1", 0L);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            var columns = (await reader.GetColumnSchemaAsync(cancellationToken)).Select(column => column.ColumnName).ToHashSet(StringComparer.Ordinal);
            if (!columns.Contains(request.IdentifierColumn!))
            {
                errors.Add("$.identifierColumn", $"The query has no column \"{request.IdentifierColumn}\".");
            }
            foreach (var column in (request.TraitColumns ?? []).Keys.Where(column => !columns.Contains(column)))
            {
                errors.Add($"$.traitColumns['{column}']", $"The query has no column \"{column}\".");
            }
        }
        catch (PostgresException exception)
        {
            errors.Add("$.query", $"The warehouse refused the query: {exception.MessageText}");
        }
        catch (Exception exception) when (exception is NpgsqlException or TimeoutException)
        {
            errors.Add("$.query", "The query could not be checked: the warehouse is not reachable. Try again.");
        }
    }
}
