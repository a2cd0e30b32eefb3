using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Alle.IntegrationTests.Audiences;

[Collection(StackCollection.Name)]
public sealed class AudienceApiTests(DistributedAppFixture app)
{
    private readonly AudiencesApiClient _api = new(app);

    [Fact]
    public async Task The_api_requires_the_admin_key()
    {
        var anonymous = await app.Gateway.GetAsync("/api/audiences");
        using var wrongKey = new HttpRequestMessage(HttpMethod.Get, "/api/audiences");
        wrongKey.Headers.Authorization = new("Bearer", "not-the-key");

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Gateway.SendAsync(wrongKey)).StatusCode);
    }

    [Fact]
    public async Task An_invalid_condition_is_refused_with_errors_at_the_offending_nodes_and_nothing_is_saved()
    {
        var key = AudiencesApiClient.UniqueKey("invalid");
        var response = await _api.Http.PostAsync("/api/audiences", Json($$$"""
            {"key": "{{{key}}}", "name": "Invalid",
             "condition": {"and": [{"event": "Provider Searched", "within": "thirty days"},
                                   {"or": [{"trait": "score", "operator": "greaterThan", "value": "high"}, {"audience": "no-such-audience"}]}]}}
            """));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("$.condition.and[0].within", out _));
        Assert.True(errors.TryGetProperty("$.condition.and[1].or[0].value", out _));
        Assert.Equal(HttpStatusCode.NotFound, (await _api.Http.GetAsync($"/api/audiences/{key}")).StatusCode);
    }

    [Fact]
    public async Task A_reference_to_an_unknown_audience_is_refused_at_its_node()
    {
        var response = await _api.Http.PostAsync("/api/audiences", Json("""
            {"key": "unknown-reference", "name": "x", "condition": {"not": {"audience": "no-such-audience"}}}
            """));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Contains("no-such-audience", errors.GetProperty("$.condition.not.audience")[0].GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"key\": \"broken\", ")]
    [InlineData("{\"key\": 42, \"name\": \"x\", \"condition\": {\"trait\": \"a\", \"operator\": \"exists\"}}")]
    [InlineData("[1, 2]")]
    public async Task Malformed_bodies_get_a_problem_response(string body)
    {
        var response = await _api.Http.PostAsync("/api/audiences", Json(body));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Keys_are_unique_and_an_audience_in_use_cannot_be_deleted()
    {
        var key = AudiencesApiClient.UniqueKey("base");
        await _api.CreateAudienceAsync(key, $$$"""{"trait": "plan", "operator": "equals", "value": "{{{AudiencesApiClient.NewTag()}}}"}""");
        var dependent = AudiencesApiClient.UniqueKey("dependent");
        await _api.CreateAudienceAsync(dependent, $$$"""{"and": [{"audience": "{{{key}}}"}, {"event": "Provider Searched"}]}""");

        var duplicate = await _api.Http.PostAsync("/api/audiences", Json($$$"""
            {"key": "{{{key}}}", "name": "Again", "condition": {"trait": "plan", "operator": "exists"}}
            """));
        Assert.Equal(HttpStatusCode.Conflict, duplicate.StatusCode);

        var cycle = await _api.Http.PutAsync($"/api/audiences/{key}", Json($$$"""
            {"name": "Base", "condition": {"audience": "{{{dependent}}}"}}
            """));
        Assert.Equal(HttpStatusCode.BadRequest, cycle.StatusCode);

        Assert.Equal(HttpStatusCode.Conflict, (await _api.Http.DeleteAsync($"/api/audiences/{key}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _api.Http.DeleteAsync($"/api/audiences/{dependent}")).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _api.Http.DeleteAsync($"/api/audiences/{key}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.Http.GetAsync($"/api/audiences/{key}")).StatusCode);
    }

    [Fact]
    public async Task Unknown_audiences_and_profiles_are_not_found()
    {
        Assert.Equal(HttpStatusCode.NotFound, (await _api.Http.GetAsync($"/api/audiences/{Guid.NewGuid()}/members")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.Http.GetAsync($"/api/audiences/profiles/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _api.Http.GetAsync("/api/audiences/profiles/user_id:nobody-here")).StatusCode);
    }

    [Fact]
    public async Task The_size_history_counts_entries_and_exits_per_day()
    {
        var key = AudiencesApiClient.UniqueKey("sized");
        await _api.CreateAudienceAsync(key, $$$"""{"trait": "plan", "operator": "equals", "value": "{{{AudiencesApiClient.NewTag()}}}"}""");
        await _api.WaitUntilComputedAsync(key);

        var history = await _api.Http.GetFromJsonAsync<JsonElement>($"/api/audiences/{key}/size-history?days=7");

        var days = history.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(7, days.Count);
        Assert.Equal(DateOnly.FromDateTime(DateTime.UtcNow), DateOnly.Parse(days[^1].GetProperty("day").GetString()!, System.Globalization.CultureInfo.InvariantCulture));
        Assert.All(days, day => Assert.Equal(0, day.GetProperty("size").GetInt64()));
    }

    [Fact]
    public async Task A_preview_counts_and_samples_an_unsaved_definition_without_saving_it()
    {
        await using var bus = await ProfileEventBus.StartAsync(app);
        var tag = Guid.NewGuid().ToString("N");
        var profiles = Enumerable.Range(0, 3).Select(_ => Guid.NewGuid()).ToList();
        foreach (var profileId in profiles)
        {
            await bus.PublishAsync(ProfileEventBus.Tracked(profileId, $"member-{profileId:N}", "Provider Searched", new { tag }));
        }
        await bus.PublishAsync(ProfileEventBus.Tracked(profiles[0], $"member-{profiles[0]:N}", "Offer Redeemed", new { tag }));
        var condition = $$$"""
            {"and": [{"event": "Provider Searched", "where": [{"property": "tag", "operator": "equals", "value": "{{{tag}}}"}], "within": "30d"},
                     {"not": {"event": "Offer Redeemed", "where": [{"property": "tag", "operator": "equals", "value": "{{{tag}}}"}]}}]}
            """;

        // Her redemption may be consumed after the searches: wait for the settled answer, not the first count of two.
        var neverRedeemed = profiles.Skip(1).Order().ToList();
        var preview = await Eventually.GetValueAsync(async () =>
        {
            var response = await _api.Http.PostAsync("/api/audiences/preview", Json($$"""{"condition": {{condition}}, "sampleSize": 5}"""));
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            var sample = body.GetProperty("sample").EnumerateArray().Select(member => member.GetProperty("profileId").GetGuid()).Order();
            return sample.SequenceEqual(neverRedeemed) ? body : (JsonElement?)null;
        }, TimeSpan.FromSeconds(30), "the two searchers who never redeemed");

        Assert.Equal(2, preview.GetProperty("count").GetInt64());
        var invalid = await _api.Http.PostAsync("/api/audiences/preview", Json("""{"condition": {"or": [{"event": ""}]}}"""));
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        Assert.True((await invalid.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("$.condition.or[0].event", out _));
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");
}
