using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Npgsql;

namespace Alle.IntegrationTests.Audiences;

/// <summary>Reverse ETL: models over warehouse tables the test creates (each in its own schema), run on demand.</summary>
[Collection(StackCollection.Name)]
public sealed class ReverseEtlTests(DistributedAppFixture app) : IAsyncLifetime
{
    private readonly AudiencesApiClient _api = new(app);
    private readonly AudiencesDatabase _database = new(app);
    private readonly string _schema = $"etl_test_{Guid.NewGuid():N}"[..20];
    private ProfileEventBus _bus = null!;

    public async Task InitializeAsync()
    {
        _bus = await ProfileEventBus.StartAsync(app);
        await WarehouseAsync($"""
            CREATE SCHEMA {_schema};
            CREATE TABLE {_schema}.scores (user_id text, score numeric, tier text);
            CREATE SEQUENCE {_schema}.counter;
            """);
    }

    public async Task DisposeAsync()
    {
        await _bus.DisposeAsync();
        await WarehouseAsync($"DROP SCHEMA {_schema} CASCADE");
    }

    [Fact]
    public async Task Each_run_syncs_only_what_was_added_changed_or_removed_since_the_previous_run()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        await WarehouseAsync($"INSERT INTO {_schema}.scores VALUES ('a-{tag}', 0.5, 'gold'), ('b-{tag}', 0.9, 'silver'), ('c-{tag}', 0.1, 'bronze')");
        var model = await CreateModelAsync(new
        {
            key = AudiencesApiClient.UniqueKey("scores"),
            name = "Scores",
            query = $"SELECT user_id, score, tier FROM {_schema}.scores",
            identifierColumn = "user_id",
            identifierType = "user_id",
            traitColumns = new Dictionary<string, string> { ["score"] = "propensity", ["tier"] = "tier" },
        });
        var first = await LatestRunAsync(model);
        Assert.Equal("succeeded", first.GetProperty("status").GetString());
        Assert.Equal((3, 0, 0, 0), Counts(first));

        await WarehouseAsync($"""
            UPDATE {_schema}.scores SET score = 0.95 WHERE user_id = 'b-{tag}';
            DELETE FROM {_schema}.scores WHERE user_id = 'c-{tag}';
            INSERT INTO {_schema}.scores VALUES ('d-{tag}', 0.3, NULL), (NULL, 0.7, 'gold');
            """);
        var second = await RunNowAsync(model);
        Assert.Equal("succeeded", second.GetProperty("status").GetString());
        Assert.Equal((1, 1, 1, 1), Counts(second));
        Assert.True(second.GetProperty("durationMs").GetInt64() >= 0);

        var calls = (await _database.TextsAsync("SELECT payload::text FROM outbox_messages WHERE message_id LIKE $1 ORDER BY id",
            $"etl-{second.GetProperty("id").GetGuid():N}-%")).Select(call => JsonDocument.Parse(call).RootElement).ToDictionary(call => call.GetProperty("userId").GetString()!);
        Assert.Equal(3, calls.Count);
        AssertJson("""{"propensity":0.3,"tier":null}""", calls[$"d-{tag}"].GetProperty("traits"));
        AssertJson("""{"propensity":0.95}""", calls[$"b-{tag}"].GetProperty("traits"));
        AssertJson("""{"propensity":null,"tier":null}""", calls[$"c-{tag}"].GetProperty("traits"));
        Assert.All(calls.Values, call => Assert.Equal("identify", call.GetProperty("type").GetString()));

        var rows = await _api.Http.GetFromJsonAsync<JsonElement>($"/api/audiences/models/{model}/rows");
        Assert.Equal([$"a-{tag}", $"b-{tag}", $"d-{tag}"], rows.GetProperty("data").EnumerateArray().Select(row => row.GetProperty("identifier").GetString()));

        var third = await RunNowAsync(model);
        Assert.Equal((0, 0, 0, 1), Counts(third));
    }

    [Fact]
    public async Task A_failing_query_is_recorded_and_changes_nothing()
    {
        await WarehouseAsync($"INSERT INTO {_schema}.scores VALUES ('kept-{Guid.NewGuid():N}', 0.5, 'gold')");
        var model = await CreateModelAsync(new
        {
            key = AudiencesApiClient.UniqueKey("fragile"),
            name = "Fragile",
            query = $"SELECT user_id, 1 / (score - 0.5) AS ratio FROM {_schema}.scores",
            identifierColumn = "user_id",
            identifierType = "user_id",
            traitColumns = new Dictionary<string, string> { ["ratio"] = "ratio" },
        });

        var run = await LatestRunAsync(model);

        Assert.Equal("failed", run.GetProperty("status").GetString());
        Assert.Contains("division by zero", run.GetProperty("error").GetString(), StringComparison.Ordinal);
        var rows = await _api.Http.GetFromJsonAsync<JsonElement>($"/api/audiences/models/{model}/rows");
        Assert.Empty(rows.GetProperty("data").EnumerateArray());
        Assert.Equal(0, await _database.ScalarAsync<long>("SELECT count(*) FROM outbox_messages WHERE message_id LIKE $1", $"etl-{run.GetProperty("id").GetGuid():N}-%"));
    }

    [Fact]
    public async Task Queries_run_as_a_read_only_role_with_a_statement_timeout()
    {
        var identity = await CreateModelAsync(new
        {
            key = AudiencesApiClient.UniqueKey("whoami"),
            name = "Who am I",
            query = "SELECT 'whoami-user' AS user_id, current_user AS who, current_setting('transaction_read_only') AS read_only",
            identifierColumn = "user_id",
            identifierType = "user_id",
            traitColumns = new Dictionary<string, string> { ["who"] = "who", ["read_only"] = "read_only" },
        });
        Assert.Equal("succeeded", (await LatestRunAsync(identity)).GetProperty("status").GetString());
        var row = (await _api.Http.GetFromJsonAsync<JsonElement>($"/api/audiences/models/{identity}/rows")).GetProperty("data")[0].GetProperty("values");
        Assert.Equal("audiences_reader", row.GetProperty("who").GetString());
        Assert.Equal("on", row.GetProperty("read_only").GetString());

        var writer = await CreateModelAsync(new
        {
            key = AudiencesApiClient.UniqueKey("writer"),
            name = "Writes",
            query = $"SELECT 'writer-user' AS user_id, nextval('{_schema}.counter') AS n",
            identifierColumn = "user_id",
            identifierType = "user_id",
            traitColumns = new Dictionary<string, string> { ["n"] = "n" },
        });
        var refused = await LatestRunAsync(writer);
        Assert.Equal("failed", refused.GetProperty("status").GetString());
        Assert.Matches("read-only transaction|permission denied", refused.GetProperty("error").GetString());

        var slow = await CreateModelAsync(new
        {
            key = AudiencesApiClient.UniqueKey("slow"),
            name = "Slow",
            query = "SELECT 'slow-user' AS user_id, pg_sleep(5)::text AS slept",
            identifierColumn = "user_id",
            identifierType = "user_id",
            traitColumns = new Dictionary<string, string> { ["slept"] = "slept" },
            timeoutSeconds = 1,
        });
        var timedOut = await LatestRunAsync(slow);
        Assert.Equal("failed", timedOut.GetProperty("status").GetString());
        Assert.Contains("statement timeout", timedOut.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_model_can_feed_a_custom_audience_whose_members_follow_its_rows()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var inModel = Guid.NewGuid();
        var notInModel = Guid.NewGuid();
        await _bus.PublishAsync(ProfileEventBus.Identified(inModel, $"in-{tag}", new { plan = "gold" }));
        await _bus.PublishAsync(ProfileEventBus.Identified(notInModel, $"out-{tag}", new { plan = "gold" }));
        await Eventually.TrueAsync(async () => await _api.ProfileAsync(notInModel.ToString()) is not null && await _api.ProfileAsync(inModel.ToString()) is not null,
            TimeSpan.FromSeconds(10), "both profiles known");
        await WarehouseAsync($"INSERT INTO {_schema}.scores VALUES ('in-{tag}', 0.8, 'gold')");
        var audience = AudiencesApiClient.UniqueKey("likely");

        var model = await CreateModelAsync(new
        {
            key = AudiencesApiClient.UniqueKey("likely-model"),
            name = "Likely to redeem",
            query = $"SELECT user_id FROM {_schema}.scores WHERE score > 0.7",
            identifierColumn = "user_id",
            identifierType = "user_id",
            audience = new { key = audience, name = "Likely to redeem" },
        });
        Assert.Equal("succeeded", (await LatestRunAsync(model)).GetProperty("status").GetString());
        await Eventually.TrueAsync(() => _api.IsMemberAsync(inModel.ToString(), audience), TimeSpan.FromSeconds(10), "the modelled member's entry");
        Assert.False(await _api.IsMemberAsync(notInModel.ToString(), audience));

        await WarehouseAsync($"UPDATE {_schema}.scores SET score = 0.2 WHERE user_id = 'in-{tag}'");
        Assert.Equal((0, 0, 1, 0), Counts(await RunNowAsync(model)));
        await Eventually.TrueAsync(async () => !await _api.IsMemberAsync(inModel.ToString(), audience), TimeSpan.FromSeconds(10), "her exit when her row left the result");
    }

    [Fact]
    public async Task Invalid_models_are_refused_before_anything_runs()
    {
        var writes = await _api.Http.PostAsJsonAsync("/api/audiences/models", new
        {
            key = AudiencesApiClient.UniqueKey("bad"),
            name = "Bad",
            query = $"DELETE FROM {_schema}.scores",
            identifierColumn = "user_id",
            identifierType = "user_id",
            traitColumns = new Dictionary<string, string> { ["score"] = "score" },
        });
        Assert.Equal(HttpStatusCode.BadRequest, writes.StatusCode);
        Assert.True((await writes.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("$.query", out _));

        var columns = await _api.Http.PostAsJsonAsync("/api/audiences/models", new
        {
            key = AudiencesApiClient.UniqueKey("bad"),
            name = "Bad",
            query = $"SELECT user_id, score FROM {_schema}.scores",
            identifierColumn = "email",
            identifierType = "email",
            traitColumns = new Dictionary<string, string> { ["score"] = "score", ["missing"] = "missing" },
            schedule = "every hour",
        });
        Assert.Equal(HttpStatusCode.BadRequest, columns.StatusCode);
        var errors = (await columns.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("$.schedule", out _));

        var fixedSchedule = await _api.Http.PostAsJsonAsync("/api/audiences/models", new
        {
            key = AudiencesApiClient.UniqueKey("bad"),
            name = "Bad",
            query = $"SELECT user_id, score FROM {_schema}.scores",
            identifierColumn = "email",
            identifierType = "email",
            traitColumns = new Dictionary<string, string> { ["score"] = "score", ["missing"] = "missing" },
        });
        var columnErrors = (await fixedSchedule.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(columnErrors.TryGetProperty("$.identifierColumn", out _));
        Assert.True(columnErrors.TryGetProperty("$.traitColumns['missing']", out _));
    }

    [Fact]
    public async Task The_demo_offer_propensity_model_is_seeded()
    {
        var model = await _api.Http.GetFromJsonAsync<JsonElement>("/api/audiences/models/offer-propensity");

        Assert.Equal("user_id", model.GetProperty("identifierType").GetString());
        Assert.Equal("offer_propensity", model.GetProperty("traitColumns").GetProperty("score").GetString());
        Assert.Equal("0 * * * *", model.GetProperty("schedule").GetString());
        await using var connection = new NpgsqlConnection(app.ConnectionString("warehousedb"));
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM ml.offer_propensity", connection);
        Assert.True((long)(await count.ExecuteScalarAsync())! > 0);
    }

    private async Task<string> CreateModelAsync(object request)
    {
        var response = await _api.Http.PostAsJsonAsync("/api/audiences/models", request);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
    }

    private async Task<JsonElement> RunNowAsync(string model)
    {
        var response = await _api.Http.PostAsync($"/api/audiences/models/{model}/runs", null);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var runId = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString();
        return await Eventually.GetValueAsync(async () =>
        {
            var run = await _api.Http.GetFromJsonAsync<JsonElement>($"/api/audiences/models/{model}/runs/{runId}");
            return run.GetProperty("status").GetString() is "succeeded" or "failed" ? run : (JsonElement?)null;
        }, TimeSpan.FromSeconds(20), $"run {runId} finished");
    }

    private Task<JsonElement> LatestRunAsync(string model) => Eventually.GetValueAsync(async () =>
    {
        var runs = await _api.Http.GetFromJsonAsync<JsonElement>($"/api/audiences/models/{model}/runs");
        var latest = runs.GetProperty("data").EnumerateArray().FirstOrDefault();
        return latest.ValueKind == JsonValueKind.Object && latest.GetProperty("status").GetString() is "succeeded" or "failed" ? latest : (JsonElement?)null;
    }, TimeSpan.FromSeconds(20), $"the latest run of {model} finished");

    private static (int Added, int Updated, int Removed, int Failed) Counts(JsonElement run) => (
        run.GetProperty("added").GetInt32(), run.GetProperty("updated").GetInt32(), run.GetProperty("removed").GetInt32(), run.GetProperty("failed").GetInt32());

    private static void AssertJson(string expected, JsonElement actual) =>
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(expected), JsonNode.Parse(actual.GetRawText())), $"Expected {expected}, got {actual}.");

    private async Task WarehouseAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString("warehousedb"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
