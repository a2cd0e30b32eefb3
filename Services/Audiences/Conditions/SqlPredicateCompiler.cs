using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace Alle.Audiences.Conditions;

/// <summary>How the compiler finds the ids of the definitions a condition names by key.</summary>
internal interface IDefinitionIds
{
    Guid? ComputedTraitId(string key);

    Guid? AudienceId(string key);

    (Guid Id, IdentifierType Identifier)? Model(string key);
}

/// <summary>A boolean SQL expression over <c>profiles p</c> and its positional parameters.</summary>
internal sealed record SqlPredicate(string Sql, IReadOnlyList<NpgsqlParameter> Parameters);

/// <summary>
/// Compiles a condition to a SQL predicate over the <c>profiles</c> table aliased <c>p</c> (the batch path: previews
/// and full computations). Every constant travels as a parameter, never in the SQL text. Every node yields true or
/// false, never NULL, so <c>NOT</c> behaves as in <see cref="ConditionEvaluator"/>. Event, computed-trait, audience and
/// model conditions become uncorrelated <c>IN (…)</c> sub-queries, which PostgreSQL runs once as a hash (run with a
/// generous <c>work_mem</c>), rather than one look-up per profile.
/// </summary>
internal sealed class SqlPredicateCompiler
{
    private readonly IDefinitionIds _ids;
    private readonly DateTimeOffset _now;
    private readonly int _firstParameter;
    private readonly List<NpgsqlParameter> _parameters = [];

    private SqlPredicateCompiler(IDefinitionIds ids, DateTimeOffset now, int firstParameter)
    {
        _ids = ids;
        _now = now;
        _firstParameter = firstParameter;
    }

    /// <param name="firstParameter">The number of the first positional parameter ($1 unless the caller has its own).</param>
    public static SqlPredicate Compile(Condition condition, IDefinitionIds ids, DateTimeOffset now, int firstParameter = 1)
    {
        var compiler = new SqlPredicateCompiler(ids, now, firstParameter);
        var sql = compiler.Node(condition);
        return new SqlPredicate(sql, compiler._parameters);
    }

    private string Node(Condition condition) => condition switch
    {
        AllOf all => "(" + string.Join(" AND ", all.Conditions.Select(Node)) + ")",
        AnyOf any => "(" + string.Join(" OR ", any.Conditions.Select(Node)) + ")",
        Not not => $"(NOT {Node(not.Condition)})",
        TraitCondition trait => Compare($"(p.traits -> {Parameter(trait.Trait, NpgsqlDbType.Text)})", trait.Comparison),
        EventCondition performed => Event(performed),
        ComputedTraitCondition computed => ComputedTrait(computed),
        AudienceCondition audience => _ids.AudienceId(audience.Key) is { } audienceId
            ? $"p.profile_id IN (SELECT m.profile_id FROM memberships m WHERE m.audience_id = {Parameter(audienceId, NpgsqlDbType.Uuid)})"
            : "false",
        ModelCondition model => _ids.Model(model.Key) is { } target
            ? $"COALESCE({IdentifierExpression(target.Identifier)} IN (SELECT r.identifier FROM etl_model_rows r WHERE r.model_id = {Parameter(target.Id, NpgsqlDbType.Uuid)}), false)"
            : "false",
        KnownMemberCondition => "(p.user_id IS NOT NULL)",
        _ => throw new NotSupportedException($"Unknown condition {condition.GetType().Name}."),
    };

    private string Event(EventCondition performed)
    {
        var matching = new StringBuilder($"SELECT e.profile_id FROM events e WHERE e.name = {Parameter(performed.Event, NpgsqlDbType.Text)}");
        if (performed.Within is { } window)
        {
            matching.Append(CultureInfo.InvariantCulture, $" AND e.timestamp > {Parameter(_now - window.Length, NpgsqlDbType.TimestampTz)}");
        }
        foreach (var filter in performed.Where)
        {
            matching.Append(" AND ").Append(Compare($"(e.properties #> {Parameter(filter.Path.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text)})", filter.Comparison));
        }

        var (negated, threshold) = performed.Count switch
        {
            { Operator: CountOperator.AtLeast, Times: 1 } => (false, null),
            { Operator: CountOperator.AtLeast } rule => (false, $">= {Parameter((long)rule.Times, NpgsqlDbType.Bigint)}"),
            { Operator: CountOperator.AtMost or CountOperator.Exactly, Times: 0 } => (true, null),
            { Operator: CountOperator.AtMost } rule => (true, $"> {Parameter((long)rule.Times, NpgsqlDbType.Bigint)}"),
            var rule => (false, $"= {Parameter((long)rule.Times, NpgsqlDbType.Bigint)}"),
        };
        if (threshold is not null)
        {
            matching.Append(" GROUP BY e.profile_id HAVING count(*) ").Append(threshold);
        }
        return $"p.profile_id {(negated ? "NOT IN" : "IN")} ({matching})";
    }

    private string ComputedTrait(ComputedTraitCondition computed)
    {
        if (_ids.ComputedTraitId(computed.Key) is not { } traitId)
        {
            return computed.Comparison.HoldsWhenMissing ? "true" : "false";
        }
        // Missing values hold for notEquals/notExists: select the profiles whose value satisfies the positive form.
        var positive = computed.Comparison.Operator switch
        {
            ComparisonOperator.NotEquals => computed.Comparison with { Operator = ComparisonOperator.Equals },
            ComparisonOperator.NotExists => computed.Comparison with { Operator = ComparisonOperator.Exists },
            _ => computed.Comparison,
        };
        var matching = $"SELECT c.profile_id FROM computed_values c WHERE c.trait_id = {Parameter(traitId, NpgsqlDbType.Uuid)} AND {Compare("c.value", positive)}";
        return $"p.profile_id {(computed.Comparison.HoldsWhenMissing ? "NOT IN" : "IN")} ({matching})";
    }

    /// <summary>A comparison of the jsonb expression <paramref name="target"/> (SQL NULL when missing) with a constant.</summary>
    private string Compare(string target, Comparison comparison)
    {
        var exists = $"({target} IS NOT NULL AND jsonb_typeof({target}) <> 'null')";
        switch (comparison.Operator)
        {
            case ComparisonOperator.Exists:
                return exists;
            case ComparisonOperator.NotExists:
                return $"(NOT {exists})";
            case ComparisonOperator.Equals:
                return $"COALESCE({target} = {Json(comparison)}, false)";
            case ComparisonOperator.NotEquals:
                return $"(NOT COALESCE({target} = {Json(comparison)}, false))";
            case ComparisonOperator.Contains when comparison.Value!.Value.ValueKind == System.Text.Json.JsonValueKind.String:
                return $"COALESCE(CASE jsonb_typeof({target}) WHEN 'string' THEN strpos({target} #>> '{{}}', {Parameter(comparison.Value.Value.GetString()!, NpgsqlDbType.Text)}) > 0 "
                    + $"WHEN 'array' THEN {target} @> jsonb_build_array({Json(comparison)}) ELSE false END, false)";
            case ComparisonOperator.Contains:
                return $"COALESCE(jsonb_typeof({target}) = 'array' AND {target} @> jsonb_build_array({Json(comparison)}), false)";
            case ComparisonOperator.Before or ComparisonOperator.After:
                return $"COALESCE(CASE WHEN jsonb_typeof({target}) = 'string' THEN audiences_instant({target} #>> '{{}}') "
                    + $"{(comparison.Operator == ComparisonOperator.Before ? "<" : ">")} {Parameter(comparison.Instant!.Value, NpgsqlDbType.TimestampTz)} END, false)";
            default:
                var op = comparison.Operator switch
                {
                    ComparisonOperator.GreaterThan => ">",
                    ComparisonOperator.GreaterThanOrEqual => ">=",
                    ComparisonOperator.LessThan => "<",
                    _ => "<=",
                };
                return $"COALESCE(CASE WHEN jsonb_typeof({target}) = 'number' THEN ({target})::numeric {op} {Parameter(comparison.Number, NpgsqlDbType.Numeric)} END, false)";
        }
    }

    private string Json(Comparison comparison) => Parameter(comparison.Value!.Value.GetRawText(), NpgsqlDbType.Jsonb);

    /// <summary>The profile's identifier of a model's kind, normalised as <see cref="ProfileIdentifiers"/> does.</summary>
    private static string IdentifierExpression(IdentifierType type) => type switch
    {
        IdentifierType.UserId => "p.user_id",
        IdentifierType.Email => "(CASE WHEN jsonb_typeof(p.traits -> 'email') = 'string' THEN lower(btrim(p.traits ->> 'email')) END)",
        _ => "(CASE WHEN jsonb_typeof(p.traits -> 'phone') = 'string' THEN btrim(p.traits ->> 'phone') END)",
    };

    private string Parameter(object value, NpgsqlDbType type)
    {
        _parameters.Add(new NpgsqlParameter { Value = value is DateTimeOffset instant ? instant.ToUniversalTime() : value, NpgsqlDbType = type });
        return "$" + (_firstParameter + _parameters.Count - 1).ToString(CultureInfo.InvariantCulture);
    }
}
