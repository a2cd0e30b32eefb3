// Audience preview benchmark: loads N generated profiles (traits) and their events straight into a fresh audiencesdb
// with binary COPY, then times previews of a few definitions through the service's own preview code (condition parsed,
// compiled to SQL, count + sample in one read-only snapshot). Prints a table.
//
//   dotnet run -c Release --project bench/audiences/Alle.Audiences.Bench -- --server "Host=…;Port=…;Username=postgres" [--profiles 1000000] [--runs 5]

using System.Diagnostics;
using System.Globalization;
using Alle.Audiences.Batch;
using Alle.Audiences.ComputedTraits;
using Alle.Audiences.Conditions;
using Alle.Audiences.Definitions;
using Alle.Platform.Migrations;
using Alle.Platform.Outbox;
using Microsoft.Extensions.Hosting;
using Npgsql;
using NpgsqlTypes;

var options = args.Select((value, index) => (value, index)).Where(item => item.value.StartsWith("--", StringComparison.Ordinal))
    .ToDictionary(item => item.value[2..], item => item.index + 1 < args.Length ? args[item.index + 1] : "");
var server = options.GetValueOrDefault("server") ?? throw new ArgumentException("--server \"Host=…;Port=…;Username=postgres\" is required.");
var profileCount = int.Parse(options.GetValueOrDefault("profiles", "1000000"), CultureInfo.InvariantCulture);
var runs = int.Parse(options.GetValueOrDefault("runs", "5"), CultureInfo.InvariantCulture);
const string Database = "audiences_bench";

var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
var random = new Random(1_000_000);

await using (var admin = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(server) { Database = "postgres" }.ConnectionString))
{
    await admin.OpenAsync();
    await new NpgsqlCommand($"DROP DATABASE IF EXISTS {Database} WITH (FORCE)", admin).ExecuteNonQueryAsync();
    await new NpgsqlCommand($"CREATE DATABASE {Database}", admin).ExecuteNonQueryAsync();
}
await using var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(server) { Database = Database, CommandTimeout = 0 }.ConnectionString);
await using var connection = await dataSource.OpenConnectionAsync();
foreach (var (_, sql) in DatabaseMigrations.ReadScripts(typeof(OutboxRelay).Assembly, "Outbox.Migrations").Concat(DatabaseMigrations.ReadScripts(typeof(Condition).Assembly)))
{
    await new NpgsqlCommand(sql, connection).ExecuteNonQueryAsync();
}

// ---- Load ----------------------------------------------------------------------------------------------------------
string[] plans = ["gold", "silver", "bronze", "platinum"];
string[] cities = ["Austin", "Boston", "Chicago", "Dallas", "Denver", "Miami", "Phoenix", "Seattle"];
var load = Stopwatch.StartNew();
var profileIds = new Guid[profileCount];
await using (var importer = await connection.BeginBinaryImportAsync("COPY profiles (profile_id, user_id, traits, trait_times, created_at, updated_at) FROM STDIN (FORMAT BINARY)"))
{
    for (var i = 0; i < profileCount; i++)
    {
        profileIds[i] = Guid.CreateVersion7();
        var traits = random.NextDouble() < 0.1
            ? "{}"
            : $$"""{"plan": "{{plans[random.Next(plans.Length)]}}", "score": {{random.Next(0, 1001) / 1000m}}, "city": "{{cities[random.Next(cities.Length)]}}", "joined": "{{now.AddDays(-random.Next(0, 1500)):yyyy-MM-dd}}"}""";
        await importer.StartRowAsync();
        await importer.WriteAsync(profileIds[i], NpgsqlDbType.Uuid);
        await importer.WriteAsync($"bench-{i}", NpgsqlDbType.Text);
        await importer.WriteAsync(traits, NpgsqlDbType.Jsonb);
        await importer.WriteAsync("{}", NpgsqlDbType.Jsonb);
        await importer.WriteAsync(now, NpgsqlDbType.TimestampTz);
        await importer.WriteAsync(now, NpgsqlDbType.TimestampTz);
    }
    await importer.CompleteAsync();
}
var profilesLoaded = load.Elapsed;

// Indexes are built after the rows are in (much faster than maintaining them row by row), exactly as the migration defines them.
await new NpgsqlCommand("DROP INDEX events_by_name; DROP INDEX events_by_profile; ALTER TABLE events DROP CONSTRAINT events_pkey", connection).ExecuteNonQueryAsync();
// Events are generated first and written oldest first, as they arrive in production (so a time range is mostly
// contiguous on disk, as it would be).
string[] eventNames = ["Provider Searched", "Offer Redeemed", "Page Viewed", "Provider Checked In"];
var generated = new List<(int Profile, byte Name, int SecondsAgo, short Detail)>(profileCount * 4);
for (var profile = 0; profile < profileCount; profile++)
{
    for (var n = random.NextDouble() < 0.45 ? random.Next(1, 4) : 0; n > 0; n--)
    {
        generated.Add((profile, 0, random.Next(0, 180 * 86400), (short)random.Next(10, 99)));
    }
    if (random.NextDouble() < 0.15)
    {
        generated.Add((profile, 1, random.Next(0, 365 * 86400), (short)random.Next(1, 20)));
    }
    for (var n = random.Next(0, 5); n > 0; n--)
    {
        generated.Add((profile, 2, random.Next(0, 90 * 86400), (short)random.Next(1, 30)));
    }
    for (var n = random.NextDouble() < 0.3 ? random.Next(1, 3) : 0; n > 0; n--)
    {
        generated.Add((profile, 3, random.Next(0, 365 * 86400), (short)random.Next(1, 500)));
    }
}
generated.Sort((left, right) => right.SecondsAgo.CompareTo(left.SecondsAgo));
long eventCount = 0;
await using (var importer = await connection.BeginBinaryImportAsync("COPY events (profile_id, message_id, name, properties, timestamp) FROM STDIN (FORMAT BINARY)"))
{
    foreach (var (profile, name, secondsAgo, detail) in generated)
    {
        await importer.StartRowAsync();
        await importer.WriteAsync(profileIds[profile], NpgsqlDbType.Uuid);
        await importer.WriteAsync((eventCount++).ToString(CultureInfo.InvariantCulture), NpgsqlDbType.Text);
        await importer.WriteAsync(eventNames[name], NpgsqlDbType.Text);
        await importer.WriteAsync(name switch
        {
            0 => $$"""{"zip": "100{{detail}}", "radius": {{detail % 45 + 5}}}""",
            1 => $$"""{"offerId": "offer-{{detail}}"}""",
            2 => $$"""{"path": "/treatments/{{detail}}"}""",
            _ => $$"""{"providerId": "p-{{detail}}"}""",
        }, NpgsqlDbType.Jsonb);
        await importer.WriteAsync(now.AddSeconds(-secondsAgo), NpgsqlDbType.TimestampTz);
    }
    await importer.CompleteAsync();
}
generated = null;
var eventsLoaded = load.Elapsed - profilesLoaded;
await new NpgsqlCommand("""
    ALTER TABLE events ADD PRIMARY KEY (profile_id, message_id);
    CREATE INDEX events_by_name ON events (name, timestamp) INCLUDE (profile_id);
    CREATE INDEX events_by_profile ON events (profile_id, name, timestamp);
    """, connection).ExecuteNonQueryAsync();
var indexed = load.Elapsed - profilesLoaded - eventsLoaded;

// A computed trait and an audience for the definitions that refer to them, computed the way a backfill would.
var visits = new ComputedTrait(Guid.NewGuid(), "checkins_90d", "Check-ins (90 days)",
    CatalogCache.ParseTrait("""{"kind": "counter", "event": "Provider Checked In", "within": "90d"}""")!);
var gold = new AudienceDefinition(Guid.NewGuid(), "gold", "Gold members", ConditionParser.Parse("""{"trait": "plan", "operator": "equals", "value": "gold"}""").Condition!);
var catalog = new Catalog(1, [gold], [visits], []);
foreach (var (sql, values) in new (string, object[])[]
{
    ("INSERT INTO computed_traits (id, key, name, definition, created_at, updated_at) VALUES ($1, 'checkins_90d', 'Check-ins', '{}', now(), now())", [visits.Id]),
    ("INSERT INTO computed_values (trait_id, profile_id, value, version, updated_at) SELECT $1, profile_id, to_jsonb(count(*)), 1, now() FROM events WHERE name = 'Provider Checked In' AND timestamp > $2 GROUP BY profile_id", [visits.Id, now.AddDays(-90)]),
    ("INSERT INTO audiences (id, key, name, condition, created_at, updated_at) VALUES ($1, 'gold', 'Gold', '{}', now(), now())", [gold.Id]),
    ("INSERT INTO memberships (audience_id, profile_id, entered_at) SELECT $1, profile_id, now() FROM profiles WHERE traits ->> 'plan' = 'gold'", [gold.Id]),
})
{
    await using var seed = new NpgsqlCommand(sql, connection);
    seed.Parameters.AddRange(values.Select(value => new NpgsqlParameter { Value = value }).ToArray());
    await seed.ExecuteNonQueryAsync();
}
await new NpgsqlCommand("VACUUM ANALYZE", connection).ExecuteNonQueryAsync();
var totalLoad = load.Elapsed;

Console.WriteLine($"Loaded {profileCount:N0} profiles in {profilesLoaded.TotalSeconds:0.0} s and {eventCount:N0} events in {eventsLoaded.TotalSeconds:0.0} s " +
                  $"(indexes {indexed.TotalSeconds:0.0} s; {totalLoad.TotalSeconds:0.0} s in all, {(profileCount + eventCount) / (profilesLoaded + eventsLoaded).TotalSeconds:N0} rows/s by COPY).");
Console.WriteLine();

// ---- Previews ------------------------------------------------------------------------------------------------------
(string Name, string Condition)[] definitions =
[
    ("north star: searched in 30d and never redeemed",
        """{"and": [{"event": "Provider Searched", "within": "30d"}, {"not": {"event": "Offer Redeemed"}}]}"""),
    ("score > 0.7 and not checked in for 90d",
        """{"and": [{"trait": "score", "operator": "greaterThan", "value": 0.7}, {"not": {"event": "Provider Checked In", "within": "90d"}}]}"""),
    ("gold or Austin (traits only)",
        """{"or": [{"trait": "plan", "operator": "equals", "value": "gold"}, {"trait": "city", "operator": "contains", "value": "Aus"}]}"""),
    ("searched zip 10050 at least twice in 90d",
        """{"event": "Provider Searched", "where": [{"property": "zip", "operator": "equals", "value": "10050"}], "count": {"atLeast": 2}, "within": "90d"}"""),
    ("gold members with >= 2 check-ins (90d), joined before 2024",
        """{"and": [{"audience": "gold"}, {"computedTrait": "checkins_90d", "operator": "greaterThanOrEqual", "value": 2}, {"trait": "joined", "operator": "before", "value": "2024-01-01"}]}"""),
    ("viewed pages at most twice in 30d or never searched",
        """{"or": [{"event": "Page Viewed", "count": {"atMost": 2}, "within": "30d"}, {"not": {"event": "Provider Searched"}}]}"""),
];

Console.WriteLine($"| definition | members | min ms | median ms | max ms |");
Console.WriteLine($"|---|---:|---:|---:|---:|");
var worst = 0L;
foreach (var (name, json) in definitions)
{
    var condition = ConditionParser.Parse(json).Condition ?? throw new InvalidOperationException($"Invalid definition: {name}");
    await AudiencePreview.RunAsync(connection, condition, catalog, now, 10, CancellationToken.None);
    var timings = new List<long>();
    long count = 0;
    for (var run = 0; run < runs; run++)
    {
        var result = await AudiencePreview.RunAsync(connection, condition, catalog, now, 10, CancellationToken.None);
        timings.Add(result.ElapsedMilliseconds);
        count = result.Count;
    }
    timings.Sort();
    worst = Math.Max(worst, timings[timings.Count / 2]);
    Console.WriteLine($"| {name} | {count:N0} | {timings[0]:N0} | {timings[timings.Count / 2]:N0} | {timings[^1]:N0} |");
}
Console.WriteLine();
Console.WriteLine($"Slowest median: {worst:N0} ms (target: under 2,000 ms over 1,000,000 profiles). {Environment.ProcessorCount} cores.");
