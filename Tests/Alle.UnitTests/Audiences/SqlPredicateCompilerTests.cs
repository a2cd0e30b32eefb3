using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Alle.Audiences.Conditions;

namespace Alle.UnitTests.Audiences;

public sealed partial class SqlPredicateCompilerTests
{
    private static readonly DateTimeOffset s_now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly string[] s_hostileTexts = ["O'Brien", "x'; DROP TABLE profiles; --", "$$ quoted $$", "50% off", "ünïcødé \"quoted\"", "a\\b", "--", "/* c */"];

    [Fact]
    public void The_north_star_audience_compiles_to_set_lookups_over_the_events()
    {
        var condition = ConditionParser.Parse("""
            {"and": [{"event": "Provider Searched", "within": "30d"}, {"not": {"event": "Offer Redeemed"}}]}
            """).Condition!;

        var predicate = SqlPredicateCompiler.Compile(condition, new Ids(), s_now);

        Assert.Equal(
            "(p.profile_id IN (SELECT e.profile_id FROM events e WHERE e.name = $1 AND e.timestamp > $2) AND "
            + "(NOT p.profile_id IN (SELECT e.profile_id FROM events e WHERE e.name = $3)))",
            predicate.Sql);
        Assert.Equal(["Provider Searched", s_now.AddDays(-30), "Offer Redeemed"], predicate.Parameters.Select(parameter => parameter.Value));
    }

    [Fact]
    public void Thresholds_other_than_once_group_by_profile()
    {
        var atMost = SqlPredicateCompiler.Compile(ConditionParser.Parse("""{"event": "Viewed", "count": {"atMost": 2}}""").Condition!, new Ids(), s_now);
        var exactlyZero = SqlPredicateCompiler.Compile(ConditionParser.Parse("""{"event": "Viewed", "count": {"exactly": 0}}""").Condition!, new Ids(), s_now);

        Assert.Equal("p.profile_id NOT IN (SELECT e.profile_id FROM events e WHERE e.name = $1 GROUP BY e.profile_id HAVING count(*) > $2)", atMost.Sql);
        Assert.Equal("p.profile_id NOT IN (SELECT e.profile_id FROM events e WHERE e.name = $1)", exactlyZero.Sql);
    }

    [Fact]
    public void References_to_definitions_that_no_longer_exist_hold_as_for_a_missing_value()
    {
        Assert.Equal("false", Compile("""{"audience": "gone"}""").Sql);
        Assert.Equal("false", Compile("""{"model": "gone"}""").Sql);
        Assert.Equal("true", Compile("""{"computedTrait": "gone", "operator": "notEquals", "value": 1}""").Sql);
        Assert.Equal("false", Compile("""{"computedTrait": "gone", "operator": "equals", "value": 1}""").Sql);
    }

    [Fact]
    public void No_value_of_any_generated_condition_ever_appears_in_the_sql_text_and_placeholders_match_parameters()
    {
        var random = new Random(20250601);
        for (var round = 0; round < 500; round++)
        {
            var json = RandomCondition(random, depth: 0);
            var parsed = ConditionParser.Parse(json);
            Assert.True(parsed.IsValid, json);
            var first = random.Next(1, 5);

            var predicate = SqlPredicateCompiler.Compile(parsed.Condition!, new Ids(), s_now, first);

            foreach (var text in s_hostileTexts)
            {
                Assert.DoesNotContain(text, predicate.Sql, StringComparison.Ordinal);
            }
            var placeholders = Placeholder().Matches(predicate.Sql).Select(match => int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(Enumerable.Range(first, predicate.Parameters.Count), placeholders.Distinct().Order());
            Assert.All(predicate.Parameters, parameter => Assert.NotEqual(NpgsqlTypes.NpgsqlDbType.Unknown, parameter.NpgsqlDbType));
        }
    }

    private static SqlPredicate Compile(string json) => SqlPredicateCompiler.Compile(ConditionParser.Parse(json).Condition!, new Ids(), s_now);

    private static string RandomCondition(Random random, int depth)
    {
        var choice = random.Next(depth >= 3 ? 3 : 6);
        return choice switch
        {
            0 => $$"""{"trait": {{Text(random)}}, {{RandomComparison(random)}}}""",
            1 => $$"""{"event": {{Text(random)}}, "where": [{"property": {{Text(random)}}, {{RandomComparison(random)}}}], "count": {"atLeast": {{random.Next(1, 4)}}}, "within": "{{random.Next(1, 90)}}d"}""",
            2 => $$"""{"computedTrait": "known", {{RandomComparison(random)}}}""",
            3 => $$"""{"and": [{{RandomCondition(random, depth + 1)}}, {{RandomCondition(random, depth + 1)}}]}""",
            4 => $$"""{"or": [{{RandomCondition(random, depth + 1)}}, {"audience": "known"}]}""",
            _ => $$"""{"not": {{RandomCondition(random, depth + 1)}}}""",
        };
    }

    private static string RandomComparison(Random random) => random.Next(6) switch
    {
        0 => $"\"operator\": \"equals\", \"value\": {Text(random)}",
        1 => $"\"operator\": \"notEquals\", \"value\": {Text(random)}",
        2 => $"\"operator\": \"contains\", \"value\": {Text(random)}",
        3 => $"\"operator\": \"greaterThan\", \"value\": {random.Next(-1000, 1000)}.{random.Next(100)}",
        4 => $"\"operator\": \"before\", \"value\": \"2025-0{random.Next(1, 10)}-1{random.Next(10)}T08:00:00+02:00\"",
        _ => "\"operator\": \"exists\"",
    };

    private static string Text(Random random) => JsonSerializer.Serialize(s_hostileTexts[random.Next(s_hostileTexts.Length)]);

    [GeneratedRegex(@"\$(\d+)")]
    private static partial Regex Placeholder();

    private sealed class Ids : IDefinitionIds
    {
        public Guid? ComputedTraitId(string key) => key == "known" ? Guid.NewGuid() : null;

        public Guid? AudienceId(string key) => key == "known" ? Guid.NewGuid() : null;

        public (Guid Id, IdentifierType Identifier)? Model(string key) => key == "known" ? (Guid.NewGuid(), IdentifierType.Email) : null;
    }
}
