using System.Diagnostics;
using Alle.Audiences.Conditions;
using Alle.Audiences.Definitions;
using Alle.Platform.Sql;
using Npgsql;

namespace Alle.Audiences.Batch;

internal sealed record PreviewResult(long Count, IReadOnlyList<(Guid ProfileId, string? UserId)> Sample, long ElapsedMilliseconds, long KnownMembers, long SmsReachable);

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
            SELECT count(*), (array_agg(p.profile_id))[1:$1], (array_agg(p.user_id))[1:$1], count(p.user_id), count(*) FILTER (WHERE r.marketing)
            FROM profiles p LEFT JOIN member_reachability r ON r.user_id = p.user_id WHERE {predicate.Sql}
            """,
            reader => (Count: reader.GetInt64(0),
                Sample: reader.IsDBNull(1) ? [] : reader.GetFieldValue<Guid[]>(1).Zip(reader.GetFieldValue<string?[]>(2)).ToList(),
                Known: reader.GetInt64(3), Sms: reader.GetInt64(4)),
            cancellationToken, [sampleSize, .. predicate.Parameters]);
        var (count, sample, known, sms) = result[0];
        await transaction.CommitAsync(cancellationToken);
        return new PreviewResult(count, sample.Select(member => (member.First, member.Second)).ToList(), stopwatch.ElapsedMilliseconds, known, sms);
    }
}
