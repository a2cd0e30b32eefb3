using System.Diagnostics;
using Alle.Audiences.Conditions;
using Alle.Audiences.Definitions;
using Alle.Platform.Sql;
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
        // One aggregate pass yields the count and the sample; a LIMIT would make the planner trade the hashed event
        // look-ups for per-profile index probes (fast first rows, slow count), and a second query would hash twice.
        var predicate = SqlPredicateCompiler.Compile(condition, ids, now, firstParameter: 2);
        var result = await connection.ListAsync($"""
            SELECT count(*), (array_agg(p.profile_id))[1:$1], (array_agg(p.user_id))[1:$1] FROM profiles p WHERE {predicate.Sql}
            """,
            reader => (Count: reader.GetInt64(0),
                Sample: reader.IsDBNull(1) ? [] : reader.GetFieldValue<Guid[]>(1).Zip(reader.GetFieldValue<string?[]>(2)).ToList()),
            cancellationToken, [sampleSize, .. predicate.Parameters]);
        var (count, sample) = result[0];
        await transaction.CommitAsync(cancellationToken);
        return new PreviewResult(count, sample.Select(member => (member.First, member.Second)).ToList(), stopwatch.ElapsedMilliseconds);
    }
}
