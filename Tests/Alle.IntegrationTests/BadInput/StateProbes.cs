using Npgsql;

namespace Alle.IntegrationTests.BadInput;

/// <summary>
/// What a bad request could change, read in each service's database: definitions whole (only their APIs write them),
/// and otherwise the rows of the corpus's own source, members and spare phone (other tests' background work, such as
/// journeys sending or consumers catching up, touches other rows while the corpus runs).
/// </summary>
internal static class StateProbes
{
    public static async Task<Dictionary<string, string>> ReadAsync(BadInputWorld world)
    {
        var probes = new (string Database, string Name, string Sql, object[] Arguments)[]
        {
            ("ingestiondb", "sources", "SELECT md5(string_agg(concat_ws('|', id, name, encode(write_key_hash, 'hex'), enabled, rate_limit_per_second), ',' ORDER BY id)) FROM sources", []),
            ("ingestiondb", "tracking plans", "SELECT count(*) || ':' || coalesce(md5(string_agg(source_id || plan::text, ',' ORDER BY source_id)), '') FROM tracking_plans", []),
            ("ingestiondb", "the corpus source's events", "SELECT count(*) FROM received_messages WHERE source_id = $1", [world.SourceId]),
            ("ingestiondb", "the corpus source's plan violations", "SELECT count(*) FROM plan_violations WHERE source_id = $1", [world.SourceId]),
            ("profilesdb", "regulations", "SELECT count(*) FROM regulations", []),
            ("profilesdb", "suppressions", "SELECT count(*) FROM suppressions", []),
            ("profilesdb", "merges", "SELECT count(*) FROM merges", []),
            ("audiencesdb", "audiences", "SELECT md5(string_agg(concat_ws('|', key, name, description, condition::text), ',' ORDER BY key)) FROM audiences", []),
            ("audiencesdb", "computed traits", "SELECT md5(string_agg(concat_ws('|', key, name, description, definition::text), ',' ORDER BY key)) FROM computed_traits", []),
            ("audiencesdb", "models", "SELECT md5(string_agg(concat_ws('|', key, name, description, query, identifier_column, trait_columns::text, schedule, timeout_seconds, enabled), ',' ORDER BY key)) FROM etl_models", []),
            ("audiencesdb", "the corpus model's runs", "SELECT count(*) FROM etl_runs r JOIN etl_models m ON m.id = r.model_id WHERE m.key = $1", [world.ModelKey]),
            ("audiencesdb", "recomputations requested", "SELECT count(*) FROM audiences WHERE key = $1 AND compute_requested_at IS NOT NULL", [world.AudienceKey]),
            ("messagingdb", "journeys", "SELECT md5(string_agg(concat_ws('|', id, name, status, definition::text), ',' ORDER BY id)) FROM journeys", []),
            ("messagingdb", "messages to the spare phone", "SELECT count(*) FROM messages WHERE to_phone = $1", [world.SparePhone]),
            ("messagingdb", "consents of the corpus's phones", "SELECT count(*) FROM consent_audit WHERE phone = ANY($1)", [new[] { world.SparePhone, world.MemberAPhone, world.MemberBPhone }]),
            ("messagingdb", "codes sent to the spare phone", "SELECT count(*) FROM verifications WHERE phone = $1", [world.SparePhone]),
            ("messagingdb", "texts from the spare phone", "SELECT count(*) FROM inbound_messages WHERE from_phone = $1", [world.SparePhone]),
            ("loyaltydb", "members with the spare phone", "SELECT count(*) FROM members WHERE phone = $1", [world.SparePhone]),
            ("loyaltydb", "the corpus's members", "SELECT md5(string_agg(m::text, ',' ORDER BY member_id)) FROM members m WHERE member_id = ANY($1)", [new[] { world.MemberA, world.MemberB }]),
            ("loyaltydb", "the corpus members' ledgers", "SELECT count(*) FROM ledger_entries WHERE member_id = ANY($1)", [new[] { world.MemberA, world.MemberB }]),
            ("loyaltydb", "the corpus members' purchases", "SELECT count(*) FROM purchases WHERE member_id = ANY($1)", [new[] { world.MemberA, world.MemberB }]),
            ("loyaltydb", "the corpus members' coupons", "SELECT count(*) FROM coupons WHERE member_id = ANY($1)", [new[] { world.MemberA, world.MemberB }]),
            ("loyaltydb", "the corpus members' check-ins", "SELECT count(*) FROM check_ins WHERE member_id = ANY($1)", [new[] { world.MemberA, world.MemberB }]),
            ("loyaltydb", "offers", "SELECT md5(string_agg(o::text, ',' ORDER BY offer_id)) FROM offers o", []),
            ("loyaltydb", "promotions", "SELECT md5(string_agg(p::text, ',' ORDER BY promotion_id)) FROM promotions p", []),
        };
        var state = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var database in probes.GroupBy(p => p.Database))
        {
            await using var connection = new NpgsqlConnection(world.App.ConnectionString(database.Key));
            await connection.OpenAsync();
            foreach (var (_, name, sql, arguments) in database)
            {
                await using var command = new NpgsqlCommand(sql, connection);
                foreach (var argument in arguments)
                {
                    command.Parameters.Add(new NpgsqlParameter { Value = argument });
                }
                state[$"{database.Key}: {name}"] = Convert.ToString(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
            }
        }
        return state;
    }
}
