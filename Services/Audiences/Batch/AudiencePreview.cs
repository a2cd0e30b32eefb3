using System.Diagnostics;
using Alle.Audiences.Conditions;
using Alle.Audiences.Definitions;
using Alle.Audiences.Storage;
using Npgsql;

namespace Alle.Audiences.Batch;

internal sealed record PreviewResult(long Count, IReadOnlyList<(Guid ProfileId, string? UserId)> Sample, long ElapsedMilliseconds);

/// <summary>
/// Counts and samples the profiles a condition selects, compiled to SQL over all profiles (nothing is loaded into
/// memory). Runs in a read-only snapshot, so the count and the sample agree.
/// </summary>
internal static class AudiencePreview
{
    public static async Task<PreviewResult> RunAsync(NpgsqlConnection connection, Condition condition, IDefinitionIds ids, DateTimeOffset now,
        int sampleSize, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        await using var transaction = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, cancellationToken);
        await connection.ExecuteAsync($"SET TRANSACTION READ ONLY; {AudienceComputation.WorkMemory}; SET LOCAL statement_timeout = '60s'", cancellationToken);
        var counted = SqlPredicateCompiler.Compile(condition, ids, now);
        var count = await connection.ScalarAsync<long>($"SELECT count(*) FROM profiles p WHERE {counted.Sql}", cancellationToken, [.. counted.Parameters]);
        var sampled = SqlPredicateCompiler.Compile(condition, ids, now, firstParameter: 2);
        var sample = sampleSize == 0 || count == 0
            ? []
            : await connection.ListAsync($"SELECT p.profile_id, p.user_id FROM profiles p WHERE {sampled.Sql} LIMIT $1",
                reader => (reader.GetGuid(0), reader.NullableString(1)), cancellationToken, [(long)sampleSize, .. sampled.Parameters]);
        await transaction.CommitAsync(cancellationToken);
        return new PreviewResult(count, sample, stopwatch.ElapsedMilliseconds);
    }
}
