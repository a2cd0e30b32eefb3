using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Alle.IntegrationTests.Ingestion;

/// <summary>
/// Single calls arriving together share one commit (group commit): each is still acknowledged only once durable, stored
/// once, counted once, and one request PostgreSQL refuses does not take its group down with it.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class GroupCommitTests(DistributedAppFixture app)
{
    private readonly WarehouseQueries _warehouse = new(app);

    [Fact]
    public async Task Many_concurrent_single_calls_are_each_acknowledged_stored_once_and_counted_once()
    {
        var (sourceId, client) = await NewSourceAsync();
        var ids = Enumerable.Range(0, 300).Select(i => $"gc-{i}-{Guid.NewGuid():N}").ToArray();

        var responses = await Task.WhenAll(ids.Select(id => client.PostAsJsonAsync("/v1/track", new { messageId = id, userId = "group-user", @event = "Grouped" })));

        Assert.All(responses, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        Assert.Equal(ids.Length, await EventsCountedAsync(sourceId));
        await _warehouse.EventuallyCountAsync(ids.Length, "SELECT count(*) FROM tracks WHERE source_id = $1", sourceId);
        Assert.Equal(ids.Length, await _warehouse.CountAsync("SELECT count(DISTINCT id) FROM tracks WHERE id = ANY($1)", (object)ids));
    }

    [Fact]
    public async Task One_message_id_sent_by_two_concurrent_requests_is_stored_once_and_both_are_acknowledged()
    {
        var (sourceId, client) = await NewSourceAsync();
        var ids = Enumerable.Range(0, 50).Select(i => $"twice-{i}-{Guid.NewGuid():N}").ToArray();

        // Each id twice, side by side, so that the pair lands in one group or in two groups committing at once.
        var responses = await Task.WhenAll(ids.SelectMany(id => new[] { id, id })
            .Select(id => client.PostAsJsonAsync("/v1/track", new { messageId = id, userId = "twice-user", @event = "Sent Twice" })));

        Assert.All(responses, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        Assert.Equal(ids.Length, await EventsCountedAsync(sourceId));
        await _warehouse.EventuallyCountAsync(ids.Length, "SELECT count(*) FROM tracks WHERE source_id = $1", sourceId);
    }

    [Fact]
    public async Task A_request_postgresql_refuses_fails_alone_and_the_calls_committed_beside_it_are_stored()
    {
        var (sourceId, client) = await NewSourceAsync();
        var ids = Enumerable.Range(0, 200).Select(i => $"beside-{i}-{Guid.NewGuid():N}").ToArray();
        // PostgreSQL's text cannot hold a NUL character: the insert of this message id fails inside the group's transaction.
        var refused = "nul-\u0000-" + Guid.NewGuid().ToString("N");

        var calls = ids.Select(id => client.PostAsJsonAsync("/v1/track", new { messageId = id, userId = "beside-user", @event = "Beside" })).ToList();
        calls.Insert(ids.Length / 2, client.PostAsJsonAsync("/v1/track", new { messageId = refused, userId = "beside-user", @event = "Refused" }));
        var responses = await Task.WhenAll(calls);

        Assert.NotEqual(HttpStatusCode.OK, responses[ids.Length / 2].StatusCode);
        var others = responses.Where((_, i) => i != ids.Length / 2).ToList();
        Assert.All(others, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        Assert.Equal(ids.Length, await EventsCountedAsync(sourceId));
        await _warehouse.EventuallyCountAsync(ids.Length, "SELECT count(*) FROM tracks WHERE source_id = $1", sourceId);
        Assert.Equal(0, await _warehouse.CountAsync("SELECT count(*) FROM tracks WHERE source_id = $1 AND event_text = 'Refused'", sourceId));
    }

    private async Task<long> EventsCountedAsync(string sourceId)
    {
        var volume = await app.AdminGateway.GetFromJsonAsync<JsonElement>($"/api/ingestion/sources/{sourceId}/volume?hours=2");
        return volume.GetProperty("hours").EnumerateArray().Sum(hour => hour.GetProperty("events").GetInt64());
    }

    private async Task<(string SourceId, HttpClient Client)> NewSourceAsync()
    {
        var response = await app.AdminGateway.PostAsJsonAsync("/api/ingestion/sources", new { name = $"Group commit {Guid.NewGuid():N}" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var created = await response.Content.ReadFromJsonAsync<JsonElement>();
        var client = app.CreateClient("gateway");
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{created.GetProperty("writeKey").GetString()}:")));
        return (created.GetProperty("source").GetProperty("id").GetString()!, client);
    }
}
