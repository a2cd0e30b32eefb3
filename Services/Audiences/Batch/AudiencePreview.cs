using System.Diagnostics;
using Alle.Audiences.Conditions;
using Alle.Audiences.Definitions;
using Alle.Audiences.Storage;
using Npgsql;

namespace Alle.Audiences.Batch;

internal sealed record PreviewResult(long Count, IReadOnlyList<(Guid ProfileId, string? UserId)> Sample, long ElapsedMilliseconds);

/// <summary>
/// Counts and samples the profiles a condition selects, compiled to SQL over all profiles (nothing is loaded into
/// memory), in one read-only query.
/// </summary>
internal static class AudiencePreview
{
    public static async Task<PreviewResult> RunAsync(NpgsqlConnection connection, Condition condition, IDefinitionIds ids, DateTimeOffset now,
        int sampleSize, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync($"SET TRANSACTION READ ONLY; {AudienceComputation.BatchSettings}; SET LOCAL statement_timeout = '60s'", cancellationToken);
        long count = 0;
        List<(Guid, string?)> sample = [];
        if (sampleSize == 0)
        {
            var predicate = SqlPredicateCompiler.Compile(condition, ids, now);
            count = await connection.ScalarAsync<long>($"SELECT count(*) FROM profiles p WHERE {predicate.Sql}", cancellationToken, [.. predicate.Parameters]);
        }
        else
        {
            // One pass: the window count sees every matching profile before LIMIT keeps the sample (a separate count
            // would build every event hash twice).
            var predicate = SqlPredicateCompiler.Compile(condition, ids, now, firstParameter: 2);
            var rows = await connection.ListAsync($"SELECT p.profile_id, p.user_id, count(*) OVER () FROM profiles p WHERE {predicate.Sql} LIMIT $1",
                reader => (Member: (reader.GetGuid(0), reader.NullableString(1)), Total: reader.GetInt64(2)),
                cancellationToken, [(long)sampleSize, .. predicate.Parameters]);
            count = rows.Count == 0 ? 0 : rows[0].Total;
            sample = rows.Select(row => row.Member).ToList();
        }
        await transaction.CommitAsync(cancellationToken);
        return new PreviewResult(count, sample, stopwatch.ElapsedMilliseconds);
    }
}
