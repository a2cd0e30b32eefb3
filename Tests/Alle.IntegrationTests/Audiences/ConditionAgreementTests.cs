using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Alle.Audiences.ComputedTraits;
using Alle.Audiences.Conditions;
using Alle.Audiences.Definitions;
using Alle.Audiences.Profiles;
using Alle.Audiences.RealTime;
using Alle.Platform.Migrations;
using Alle.Platform.Outbox;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Alle.IntegrationTests.Audiences;

/// <summary>
/// Property-based agreement of the two evaluation paths on generated data: for many random conditions, the compiled SQL
/// run by the real PostgreSQL over all profiles selects exactly the profiles the in-memory evaluator accepts (with the
/// facts loaded the way the real-time path loads them). Runs in a scratch database with the service's own migrations.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ConditionAgreementTests(DistributedAppFixture app) : IAsyncLifetime
{
    private const int Profiles = 250;
    private const int Conditions = 300;
    private static readonly string[] s_events = ["Provider Searched", "Offer Redeemed", "Page Viewed"];
    private static readonly string[] s_traits = ["plan", "score", "tags", "joined", "email", "phone", "nickname"];
    private static readonly string[] s_properties = ["zip", "amount", "provider.city", "tags", "when"];
    private static readonly string[] s_windows = ["1d", "7d", "30d", "90d"];
    private static readonly string[] s_texts = ["gold", "Gold", "gold member", "silver", "1.5", "O'Brien", "", "10001", "Austin"];

    private readonly DateTimeOffset _now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
    private readonly string _database = $"audiences_agreement_{Guid.NewGuid():N}";
    private readonly Random _random = new(5_2025);
    private NpgsqlDataSource _dataSource = null!;

    public async Task InitializeAsync()
    {
        await using (var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(app.ConnectionString("audiencesdb")) { Database = "postgres" }.ConnectionString))
        {
            await admin.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {_database}", admin);
            await create.ExecuteNonQueryAsync();
        }
        _dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(app.ConnectionString("audiencesdb")) { Database = _database }.ConnectionString);
        await using var connection = await _dataSource.OpenConnectionAsync();
        var outbox = DatabaseMigrations.ReadScripts(typeof(OutboxRelay).Assembly, "Outbox.Migrations");
        foreach (var (_, sql) in outbox.Concat(DatabaseMigrations.ReadScripts(typeof(Condition).Assembly)))
        {
            await using var migrate = new NpgsqlCommand(sql, connection);
            await migrate.ExecuteNonQueryAsync();
        }
    }

    public async Task DisposeAsync()
    {
        await _dataSource.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(app.ConnectionString("audiencesdb")) { Database = "postgres" }.ConnectionString);
        await admin.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_database} WITH (FORCE)", admin);
        await drop.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Compiled_sql_and_in_memory_evaluation_select_the_same_profiles()
    {
        await using var connection = await _dataSource.OpenConnectionAsync();
        // One transaction: the data is visible to the statements below, and generating it costs no fsync per row.
        await using var transaction = await connection.BeginTransactionAsync();
        var catalog = await GenerateAsync(connection);
        // A definition naming every event and model, so the facts hold everything any generated condition can look at.
        var everything = new AudienceDefinition(Guid.NewGuid(), "everything", "everything", new AnyOf(
            [.. s_events.Select(name => new EventCondition(name, [], CountRule.AtLeastOnce, null)), .. catalog.Models.Select(model => new ModelCondition(model.Key))]));
        var facts = new Dictionary<Guid, ProfileFacts>();
        foreach (var profileId in await ProfileIdsAsync(connection))
        {
            var profile = (await ProfileStore.LockAsync(connection, profileId, skipLocked: false, CancellationToken.None))!;
            facts[profileId] = await ProfileEvaluator.LoadFactsAsync(connection, catalog, profile, [everything], CancellationToken.None);
        }

        var nonTrivial = 0;
        for (var round = 0; round < Conditions; round++)
        {
            var json = RandomCondition(depth: 0);
            var parsed = ConditionParser.Parse(json);
            Assert.True(parsed.IsValid, $"{json}: {string.Join("; ", parsed.Errors.ToDictionary().SelectMany(error => error.Value))}");

            var expected = facts.Where(profile => ConditionEvaluator.Evaluate(parsed.Condition!, profile.Value, _now)).Select(profile => profile.Key).ToHashSet();
            var predicate = SqlPredicateCompiler.Compile(parsed.Condition!, catalog, _now);
            var selected = new HashSet<Guid>();
            await using (var command = new NpgsqlCommand($"SELECT p.profile_id FROM profiles p WHERE {predicate.Sql}", connection))
            {
                command.Parameters.AddRange(predicate.Parameters.ToArray());
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    selected.Add(reader.GetGuid(0));
                }
            }

            Assert.True(expected.SetEquals(selected),
                $"Condition {json}: in memory {expected.Count}, SQL {selected.Count}; only in memory: {string.Join(", ", expected.Except(selected).Take(3))}; only in SQL: {string.Join(", ", selected.Except(expected).Take(3))}");
            nonTrivial += expected.Count is > 0 and < Profiles ? 1 : 0;
        }
        // The generator must exercise real selections, not only "nobody" and "everybody".
        Assert.True(nonTrivial > Conditions / 3, $"Only {nonTrivial} of {Conditions} conditions selected some but not all profiles.");
    }

    private async Task<Catalog> GenerateAsync(NpgsqlConnection connection)
    {
        var traits = new[] { ("visits", "counter"), ("favourite_zip", "mostFrequent") }
            .Select(trait => new ComputedTrait(Guid.NewGuid(), trait.Item1, trait.Item1,
                CatalogCache.ParseTrait(trait.Item2 == "counter"
                    ? """{"kind": "counter", "event": "Page Viewed"}"""
                    : """{"kind": "mostFrequent", "event": "Provider Searched", "property": "zip"}""")!))
            .ToList();
        var audiences = new[] { "vip", "lapsed" }
            .Select(key => new AudienceDefinition(Guid.NewGuid(), key, key, ConditionParser.Parse("""{"trait": "plan", "operator": "exists"}""").Condition!))
            .ToList();
        var models = new[] { IdentifierType.UserId, IdentifierType.Email, IdentifierType.Phone }
            .Select(type => new ModelDefinition(Guid.NewGuid(), $"model-{ProfileIdentifiers.NameOf(type)}", type))
            .ToList();
        var catalog = new Catalog(1, audiences, traits, models);

        foreach (var trait in traits)
        {
            await ExecuteAsync(connection, "INSERT INTO computed_traits (id, key, name, definition, created_at, updated_at) VALUES ($1, $2, $2, '{}', now(), now())", trait.Id, trait.Key);
        }
        foreach (var audience in audiences)
        {
            await ExecuteAsync(connection, "INSERT INTO audiences (id, key, name, condition, created_at, updated_at) VALUES ($1, $2, $2, '{}', now(), now())", audience.Id, audience.Key);
        }
        foreach (var model in models)
        {
            await ExecuteAsync(connection, """
                INSERT INTO etl_models (id, key, name, query, identifier_column, identifier_type, timeout_seconds, created_at, updated_at)
                VALUES ($1, $2, $2, 'SELECT 1', 'id', $3, 30, now(), now())
                """, model.Id, model.Key, ProfileIdentifiers.NameOf(model.IdentifierType));
        }

        var identifiers = new List<(IdentifierType Type, string Raw)>();
        for (var index = 0; index < Profiles; index++)
        {
            var profileId = Guid.NewGuid();
            var userId = Pick(0.8) ? $"user-{index}" : null;
            var traitValues = new JsonObject();
            foreach (var key in s_traits.Where(_ => Pick(0.6)))
            {
                traitValues[key] = key switch
                {
                    "email" => Pick(0.8) ? $" User{index}@Example.com " : 42,
                    "phone" => $"+1555{index:D7}",
                    "joined" => RandomDate(),
                    _ => RandomValue(),
                };
            }
            await ExecuteAsync(connection, "INSERT INTO profiles (profile_id, user_id, traits, created_at, updated_at) VALUES ($1, $2, $3::jsonb, now(), now())",
                profileId, (object?)userId ?? DBNull.Value, traitValues.ToJsonString());
            if (userId is not null)
            {
                identifiers.Add((IdentifierType.UserId, userId));
            }
            identifiers.Add((IdentifierType.Email, $"user{index}@example.com"));
            identifiers.Add((IdentifierType.Phone, $"+1555{index:D7}"));

            for (var count = _random.Next(0, 8); count > 0; count--)
            {
                var properties = new JsonObject();
                foreach (var property in s_properties.Where(_ => Pick(0.6)))
                {
                    switch (property)
                    {
                        case "provider.city":
                            properties["provider"] = Pick(0.8) ? new JsonObject { ["city"] = RandomValue() } : "flat";
                            break;
                        case "when":
                            properties["when"] = RandomDate();
                            break;
                        default:
                            properties[property] = RandomValue();
                            break;
                    }
                }
                // Whole days before now land exactly on window edges; whole seconds round-trip exactly.
                var at = Pick(0.3) ? _now.AddDays(-_random.Next(0, 100)) : _now.AddSeconds(-_random.Next(0, 100 * 86400));
                await ExecuteAsync(connection, "INSERT INTO events (profile_id, message_id, name, properties, timestamp) VALUES ($1, $2, $3, $4::jsonb, $5)",
                    profileId, Guid.NewGuid().ToString(), s_events[_random.Next(s_events.Length)], properties.ToJsonString(), at);
            }
            foreach (var trait in traits.Where(_ => Pick(0.5)))
            {
                await ExecuteAsync(connection, "INSERT INTO computed_values (trait_id, profile_id, value, version, updated_at) VALUES ($1, $2, $3::jsonb, 1, now())",
                    trait.Id, profileId, Pick(0.1) ? "null" : (RandomValue()?.ToJsonString() ?? "null"));
            }
            foreach (var audience in audiences.Where(_ => Pick(0.4)))
            {
                await ExecuteAsync(connection, "INSERT INTO memberships (audience_id, profile_id, entered_at) VALUES ($1, $2, now())", audience.Id, profileId);
            }
        }
        foreach (var model in models)
        {
            foreach (var (_, raw) in identifiers.Where(identifier => identifier.Type == model.IdentifierType && Pick(0.4)))
            {
                await ExecuteAsync(connection, "INSERT INTO etl_model_rows (model_id, identifier, values, synced_at) VALUES ($1, $2, '{}', now())",
                    model.Id, ProfileIdentifiers.Normalize(model.IdentifierType, raw)!);
            }
        }
        return catalog;
    }

    private string RandomCondition(int depth) => _random.Next(depth >= 3 ? 6 : 9) switch
    {
        0 or 1 => $$"""{"trait": "{{s_traits[_random.Next(s_traits.Length)]}}", {{RandomComparison()}}}""",
        2 or 3 => RandomEventCondition(),
        4 => $$"""{"computedTrait": "{{(Pick(0.5) ? "visits" : "favourite_zip")}}", {{RandomComparison()}}}""",
        5 => Pick(0.5) ? $$"""{"audience": "{{(Pick(0.5) ? "vip" : "lapsed")}}"}""" : $$"""{"model": "model-{{new[] { "user_id", "email", "phone" }[_random.Next(3)]}}"}""",
        6 => $$"""{"and": [{{RandomCondition(depth + 1)}}, {{RandomCondition(depth + 1)}}]}""",
        7 => $$"""{"or": [{{RandomCondition(depth + 1)}}, {{RandomCondition(depth + 1)}}]}""",
        _ => $$"""{"not": {{RandomCondition(depth + 1)}}}""",
    };

    private string RandomEventCondition()
    {
        var filters = Enumerable.Range(0, _random.Next(0, 3))
            .Select(_ => $$"""{"property": "{{s_properties[_random.Next(s_properties.Length)]}}", {{RandomComparison()}}}""");
        var count = _random.Next(4) switch
        {
            0 => $$"""{"atLeast": {{_random.Next(1, 4)}}}""",
            1 => $$"""{"atMost": {{_random.Next(0, 3)}}}""",
            2 => $$"""{"exactly": {{_random.Next(0, 3)}}}""",
            _ => "null",
        };
        var within = Pick(0.5) ? $"\"{s_windows[_random.Next(s_windows.Length)]}\"" : "null";
        return $$"""{"event": "{{s_events[_random.Next(s_events.Length)]}}", "where": [{{string.Join(", ", filters)}}], "count": {{count}}, "within": {{within}}}""";
    }

    private string RandomComparison() => _random.Next(11) switch
    {
        0 => $"\"operator\": \"equals\", \"value\": {Scalar()}",
        1 => $"\"operator\": \"notEquals\", \"value\": {Scalar()}",
        2 => $"\"operator\": \"contains\", \"value\": {Scalar()}",
        3 => "\"operator\": \"exists\"",
        4 => "\"operator\": \"notExists\"",
        5 => $"\"operator\": \"greaterThan\", \"value\": {Number()}",
        6 => $"\"operator\": \"greaterThanOrEqual\", \"value\": {Number()}",
        7 => $"\"operator\": \"lessThan\", \"value\": {Number()}",
        8 => $"\"operator\": \"lessThanOrEqual\", \"value\": {Number()}",
        9 => $"\"operator\": \"before\", \"value\": \"{IsoInstant.Format(_now.AddDays(-_random.Next(0, 400)))}\"",
        _ => $"\"operator\": \"after\", \"value\": \"{_now.AddDays(-_random.Next(0, 400)):yyyy-MM-dd}\"",
    };

    private string Scalar() => _random.Next(4) switch
    {
        0 => JsonSerializer.Serialize(s_texts[_random.Next(s_texts.Length)]),
        1 => Number(),
        2 => Pick(0.5) ? "true" : "false",
        _ => "\"10001\"",
    };

    private string Number() => _random.Next(3) switch
    {
        0 => _random.Next(-3, 12).ToString(CultureInfo.InvariantCulture),
        1 => "1.50",
        _ => (_random.Next(-300, 1200) / 100m).ToString(CultureInfo.InvariantCulture),
    };

    private JsonNode? RandomValue() => _random.Next(9) switch
    {
        0 => s_texts[_random.Next(s_texts.Length)],
        1 => _random.Next(-3, 12),
        2 => _random.Next(-300, 1200) / 100m,
        3 => JsonNode.Parse("1.500"),
        4 => Pick(0.5),
        5 => null,
        6 => new JsonArray(Enumerable.Range(0, _random.Next(0, 4)).Select(_ => (JsonNode?)(Pick(0.5) ? s_texts[_random.Next(s_texts.Length)] : _random.Next(0, 5))).ToArray()),
        7 => new JsonObject { ["nested"] = "gold" },
        _ => RandomDate(),
    };

    private string RandomDate() => _random.Next(5) switch
    {
        0 => _now.AddDays(-_random.Next(0, 400)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        1 => IsoInstant.Format(_now.AddHours(-_random.Next(0, 9000))),
        2 => _now.AddHours(-_random.Next(0, 9000)).ToOffset(TimeSpan.FromHours(-5)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
        3 => "2024-02-30",
        _ => "not a date",
    };

    private bool Pick(double probability) => _random.NextDouble() < probability;

    private static async Task<List<Guid>> ProfileIdsAsync(NpgsqlConnection connection)
    {
        await using var command = new NpgsqlCommand("SELECT profile_id FROM profiles", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<Guid>();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetGuid(0));
        }
        return ids;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, params object[] values)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = value is DateTimeOffset instant ? instant.ToUniversalTime() : value });
        }
        await command.ExecuteNonQueryAsync();
    }
}
